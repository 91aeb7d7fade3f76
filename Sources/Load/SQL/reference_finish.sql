-- After reference data is merged: funnel positions follow a changed stage order. $1: portal_id.
SELECT etl.follow_stage_order($1::integer);
