-- After reference data is merged: funnel positions follow a changed stage order, and the
-- typed custom-field view follows the field definitions. $1: portal_id.
SELECT etl.follow_stage_order($1::integer);
SELECT etl.refresh_lead_custom_fields();
