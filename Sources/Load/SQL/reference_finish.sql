-- After reference data is merged: the typed custom-field view follows the field definitions.
SELECT etl.refresh_lead_custom_fields();
