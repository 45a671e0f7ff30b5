-- Catalogue items are audited as "<catalogue>/<code>", up to 99 characters.
{{if .Postgres}}ALTER TABLE audit_events ALTER COLUMN entity_id TYPE VARCHAR(200);{{end}}
SELECT 1;
