-- Progress of an unfinished pass over a stream, so a crashed sync resumes without losing leads:
-- watermark_time stays at the last completed pass until a pass ends; watermark_id is the
-- keyset cursor inside the pass; pass_started_at is the portal time the pass began (the next
-- watermark), kept from the first attempt when a crashed pass is resumed.

ALTER TABLE etl.sync_state
    ADD COLUMN pass_started_at timestamptz,
    ADD COLUMN pass_mode       text,
    ADD COLUMN pass_filter     text;

COMMENT ON COLUMN etl.sync_state.watermark_time IS 'Portal time up to which the stream is complete (leads: start of the last finished pass).';
COMMENT ON COLUMN etl.sync_state.watermark_id IS 'Keyset cursor: the last id loaded (leads: inside the unfinished pass; stage history: the last history id).';
COMMENT ON COLUMN etl.sync_state.pass_started_at IS 'Portal time the unfinished pass began; becomes watermark_time when the pass completes.';
COMMENT ON COLUMN etl.sync_state.pass_mode IS 'Mode of the unfinished pass (incremental, full, since).';
COMMENT ON COLUMN etl.sync_state.pass_filter IS 'The DATE_MODIFY lower bound of the unfinished pass, so a resumed pass reads the same set.';
