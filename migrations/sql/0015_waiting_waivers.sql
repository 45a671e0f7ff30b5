-- The home page (私の対応事項) lists the clause waivers waiting for a
-- second person's approval. They are few among all clause rows, so a partial
-- index holds only them and the query reads no other clause row.

CREATE INDEX contract_clauses_waiting_idx ON contract_clauses (contract_id)
    WHERE (status = 'waived' AND waiver_approved_at IS NULL) OR pending_waiver_reason <> '';
