-- Every list filter the API offers is served by an index (README, "Indexes").
-- Lists page by keyset on id (audit events on seq), so an equality filter
-- gets an index on (column, id): the database seeks to the filter's value
-- and the cursor and reads the page in order, however deep the page is,
-- instead of sorting every matching row or walking the whole table. These
-- replace the single-column indexes of the same columns, which they cover.

DROP INDEX vendors_owner_id_idx;
DROP INDEX vendors_status_idx;
DROP INDEX vendors_risk_tier_idx;
CREATE INDEX vendors_owner_id_idx ON vendors (owner_id, id);
CREATE INDEX vendors_status_idx ON vendors (status, id);
CREATE INDEX vendors_risk_tier_idx ON vendors (risk_tier, id);
-- certification_expiring_before: the vendors of the certificates expiring,
-- read from the index alone.
DROP INDEX vendor_certifications_valid_until_idx;
CREATE INDEX vendor_certifications_valid_until_idx ON vendor_certifications (valid_until, vendor_id);

DROP INDEX contracts_vendor_id_idx;
DROP INDEX contracts_owner_id_idx;
DROP INDEX contracts_status_idx;
CREATE INDEX contracts_vendor_id_idx ON contracts (vendor_id, id);
CREATE INDEX contracts_owner_id_idx ON contracts (owner_id, id);
CREATE INDEX contracts_status_idx ON contracts (status, id);
-- missing_clause: the contracts that cover a clause, in contract order, so
-- that the anti-join reads two ordered indexes side by side.
CREATE INDEX contract_clauses_covered_idx ON contract_clauses (code, contract_id) WHERE status IN ('included', 'waived');

DROP INDEX confirmations_contract_id_idx;
DROP INDEX confirmations_vendor_id_idx;
CREATE INDEX confirmations_contract_id_idx ON confirmations (contract_id, id);
CREATE INDEX confirmations_vendor_id_idx ON confirmations (vendor_id, id);
CREATE INDEX confirmations_status_id_idx ON confirmations (status, id);

DROP INDEX corrective_actions_owner_id_idx;
DROP INDEX corrective_actions_contract_id_idx;
DROP INDEX corrective_actions_vendor_id_idx;
CREATE INDEX corrective_actions_owner_id_idx ON corrective_actions (owner_id, id);
CREATE INDEX corrective_actions_contract_id_idx ON corrective_actions (contract_id, id);
CREATE INDEX corrective_actions_vendor_id_idx ON corrective_actions (vendor_id, id);
CREATE INDEX corrective_actions_status_id_idx ON corrective_actions (status, id);
CREATE INDEX corrective_actions_source_id_idx ON corrective_actions (source, id);
CREATE INDEX corrective_actions_source_record_idx ON corrective_actions (source_id, id);

DROP INDEX cloud_services_status_idx;
DROP INDEX cloud_services_responsible_person_id_idx;
CREATE INDEX cloud_services_status_idx ON cloud_services (status, id);
CREATE INDEX cloud_services_responsible_person_id_idx ON cloud_services (responsible_person_id, id);

DROP INDEX social_accounts_status_idx;
DROP INDEX social_accounts_responsible_person_id_idx;
CREATE INDEX social_accounts_status_idx ON social_accounts (status, id);
CREATE INDEX social_accounts_responsible_person_id_idx ON social_accounts (responsible_person_id, id);
CREATE INDEX social_accounts_platform_id_idx ON social_accounts (platform, id);

DROP INDEX people_department_id_idx;
CREATE INDEX people_department_id_idx ON people (department_id, id);
CREATE INDEX people_active_idx ON people (active, id);
-- security_role: few people hold a role; the filter reads only them.
CREATE INDEX people_with_roles_idx ON people (id) WHERE security_roles NOT IN ('[]', 'null');

DROP INDEX reminders_status_idx;
CREATE INDEX reminders_status_idx ON reminders (status, id);
CREATE INDEX reminders_recipient_id_idx ON reminders (recipient_id, id);
CREATE INDEX reminders_subject_id_idx ON reminders (subject_id, id);
CREATE INDEX reminders_subject_type_idx ON reminders (subject_type, id);
CREATE INDEX reminders_stage_idx ON reminders (stage, id);

CREATE INDEX reviews_subject_type_idx ON reviews (subject_type, id);
CREATE INDEX reviews_subject_id_idx ON reviews (subject_id, id);

CREATE INDEX incidents_status_idx ON incidents (status, id);
CREATE INDEX incidents_severity_idx ON incidents (severity, id);
CREATE INDEX incidents_owner_id_idx ON incidents (owner_id, id);
CREATE INDEX incidents_open_idx ON incidents (id) WHERE status <> 'closed';

CREATE INDEX evidence_files_subject_type_idx ON evidence_files (subject_type, id);
CREATE INDEX evidence_files_subject_id_idx ON evidence_files (subject_id, id);

-- Audit events page on seq.
DROP INDEX audit_events_entity_idx;
CREATE INDEX audit_events_entity_type_idx ON audit_events (entity_type, seq);
CREATE INDEX audit_events_entity_id_idx ON audit_events (entity_id, seq);

DROP INDEX policy_reviews_owner_idx;
CREATE INDEX policy_reviews_owner_idx ON policy_reviews (owner_id, id);
CREATE INDEX policy_reviews_status_idx ON policy_reviews (status, id);
CREATE INDEX policy_reviews_trigger_idx ON policy_reviews (trigger_kind, id);
CREATE INDEX policy_reviews_next_review_due_idx ON policy_reviews (next_review_due);

CREATE INDEX inspection_campaigns_status_idx ON inspection_campaigns (status, id);
CREATE INDEX audits_status_idx ON audits (status, id);
DROP INDEX inspection_answers_campaign_idx;
CREATE INDEX inspection_answers_campaign_idx ON inspection_answers (campaign_id, id);
CREATE INDEX inspection_answers_department_idx ON inspection_answers (campaign_id, department_id, id);
CREATE INDEX inspection_answers_item_idx ON inspection_answers (campaign_id, item_code, id);
CREATE INDEX inspection_answers_answer_idx ON inspection_answers (campaign_id, answer, id);
CREATE INDEX inspection_answers_person_idx ON inspection_answers (person_id, id);

CREATE INDEX imports_status_idx ON imports (status, id);
CREATE INDEX webhook_deliveries_status_idx ON webhook_deliveries (subscription_id, status, id);

-- q= (search_text LIKE '%…%'): a trigram index of each searchable table's
-- search_text. A query of three characters or more reads only the rows
-- holding all its trigrams; shorter ones read the whole column.
{{if .Postgres}}
-- PostgreSQL: pg_trgm's GIN operator class, which LIKE uses directly. The
-- extension is created where it is missing (a superuser or, since
-- PostgreSQL 13, the database's owner may: pg_trgm is a trusted
-- extension), in the public schema when there is one so that every
-- schema of the database shares it; the index names its operator class
-- with the extension's schema, wherever that is.
DO $$
DECLARE
    ext_schema text;
    tbl text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        IF EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'public') THEN
            CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
        ELSE
            CREATE EXTENSION IF NOT EXISTS pg_trgm;
        END IF;
    END IF;
    SELECT n.nspname INTO ext_schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm';
    FOREACH tbl IN ARRAY ARRAY['vendors', 'contracts', 'cloud_services', 'social_accounts', 'people', 'departments', 'incidents'] LOOP
        EXECUTE format('CREATE INDEX %I ON %I USING gin (search_text %I.gin_trgm_ops)', tbl || '_search_idx', tbl, ext_schema);
    END LOOP;
END
$$;
{{else}}
-- SQLite: an FTS5 table with the trigram tokenizer per searchable table,
-- indexing the table's own search_text by rowid (external content: the
-- text is stored once), kept in step by triggers. A VACUUM may renumber
-- the rowids of these tables; vendorwatch never runs one, and after one
-- an operator rebuilds each index (INSERT INTO contracts_search
-- (contracts_search) VALUES ('rebuild'), and so on; see README "Indexes").
CREATE VIRTUAL TABLE vendors_search USING fts5(search_text, content='vendors', content_rowid='rowid', tokenize='trigram');
CREATE TRIGGER vendors_search_insert AFTER INSERT ON vendors BEGIN
    INSERT INTO vendors_search (rowid, search_text) VALUES (new.rowid, new.search_text);
END;
CREATE TRIGGER vendors_search_delete AFTER DELETE ON vendors BEGIN
    INSERT INTO vendors_search (vendors_search, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
END;
CREATE TRIGGER vendors_search_update AFTER UPDATE OF search_text ON vendors BEGIN
    INSERT INTO vendors_search (vendors_search, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
    INSERT INTO vendors_search (rowid, search_text) VALUES (new.rowid, new.search_text);
END;
INSERT INTO vendors_search (vendors_search) VALUES ('rebuild');

CREATE VIRTUAL TABLE contracts_search USING fts5(search_text, content='contracts', content_rowid='rowid', tokenize='trigram');
CREATE TRIGGER contracts_search_insert AFTER INSERT ON contracts BEGIN
    INSERT INTO contracts_search (rowid, search_text) VALUES (new.rowid, new.search_text);
END;
CREATE TRIGGER contracts_search_delete AFTER DELETE ON contracts BEGIN
    INSERT INTO contracts_search (contracts_search, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
END;
CREATE TRIGGER contracts_search_update AFTER UPDATE OF search_text ON contracts BEGIN
    INSERT INTO contracts_search (contracts_search, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
    INSERT INTO contracts_search (rowid, search_text) VALUES (new.rowid, new.search_text);
END;
INSERT INTO contracts_search (contracts_search) VALUES ('rebuild');

CREATE VIRTUAL TABLE cloud_services_search USING fts5(search_text, content='cloud_services', content_rowid='rowid', tokenize='trigram');
CREATE TRIGGER cloud_services_search_insert AFTER INSERT ON cloud_services BEGIN
    INSERT INTO cloud_services_search (rowid, search_text) VALUES (new.rowid, new.search_text);
END;
CREATE TRIGGER cloud_services_search_delete AFTER DELETE ON cloud_services BEGIN
    INSERT INTO cloud_services_search (cloud_services_search, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
END;
CREATE TRIGGER cloud_services_search_update AFTER UPDATE OF search_text ON cloud_services BEGIN
    INSERT INTO cloud_services_search (cloud_services_search, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
    INSERT INTO cloud_services_search (rowid, search_text) VALUES (new.rowid, new.search_text);
END;
INSERT INTO cloud_services_search (cloud_services_search) VALUES ('rebuild');

CREATE VIRTUAL TABLE social_accounts_search USING fts5(search_text, content='social_accounts', content_rowid='rowid', tokenize='trigram');
CREATE TRIGGER social_accounts_search_insert AFTER INSERT ON social_accounts BEGIN
    INSERT INTO social_accounts_search (rowid, search_text) VALUES (new.rowid, new.search_text);
END;
CREATE TRIGGER social_accounts_search_delete AFTER DELETE ON social_accounts BEGIN
    INSERT INTO social_accounts_search (social_accounts_search, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
END;
CREATE TRIGGER social_accounts_search_update AFTER UPDATE OF search_text ON social_accounts BEGIN
    INSERT INTO social_accounts_search (social_accounts_search, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
    INSERT INTO social_accounts_search (rowid, search_text) VALUES (new.rowid, new.search_text);
END;
INSERT INTO social_accounts_search (social_accounts_search) VALUES ('rebuild');

CREATE VIRTUAL TABLE people_search USING fts5(search_text, content='people', content_rowid='rowid', tokenize='trigram');
CREATE TRIGGER people_search_insert AFTER INSERT ON people BEGIN
    INSERT INTO people_search (rowid, search_text) VALUES (new.rowid, new.search_text);
END;
CREATE TRIGGER people_search_delete AFTER DELETE ON people BEGIN
    INSERT INTO people_search (people_search, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
END;
CREATE TRIGGER people_search_update AFTER UPDATE OF search_text ON people BEGIN
    INSERT INTO people_search (people_search, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
    INSERT INTO people_search (rowid, search_text) VALUES (new.rowid, new.search_text);
END;
INSERT INTO people_search (people_search) VALUES ('rebuild');

CREATE VIRTUAL TABLE departments_search USING fts5(search_text, content='departments', content_rowid='rowid', tokenize='trigram');
CREATE TRIGGER departments_search_insert AFTER INSERT ON departments BEGIN
    INSERT INTO departments_search (rowid, search_text) VALUES (new.rowid, new.search_text);
END;
CREATE TRIGGER departments_search_delete AFTER DELETE ON departments BEGIN
    INSERT INTO departments_search (departments_search, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
END;
CREATE TRIGGER departments_search_update AFTER UPDATE OF search_text ON departments BEGIN
    INSERT INTO departments_search (departments_search, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
    INSERT INTO departments_search (rowid, search_text) VALUES (new.rowid, new.search_text);
END;
INSERT INTO departments_search (departments_search) VALUES ('rebuild');

CREATE VIRTUAL TABLE incidents_search USING fts5(search_text, content='incidents', content_rowid='rowid', tokenize='trigram');
CREATE TRIGGER incidents_search_insert AFTER INSERT ON incidents BEGIN
    INSERT INTO incidents_search (rowid, search_text) VALUES (new.rowid, new.search_text);
END;
CREATE TRIGGER incidents_search_delete AFTER DELETE ON incidents BEGIN
    INSERT INTO incidents_search (incidents_search, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
END;
CREATE TRIGGER incidents_search_update AFTER UPDATE OF search_text ON incidents BEGIN
    INSERT INTO incidents_search (incidents_search, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
    INSERT INTO incidents_search (rowid, search_text) VALUES (new.rowid, new.search_text);
END;
INSERT INTO incidents_search (incidents_search) VALUES ('rebuild');
{{end}}
