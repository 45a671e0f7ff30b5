-- missing_clause= served by an index whatever the share of contracts that
-- miss the clause. The filter lists the contracts with no clause of the
-- code that is included or waived (domain.ClauseStatus.Addressed). Asked as
-- an anti-join over contract_clauses it walks the contracts in id order
-- until a page misses the clause, so when most contracts have it the walk
-- reads most of the register. Instead the store keeps, for every contract
-- and every clause of the catalogue, a row here while the contract misses
-- the clause, written in the transaction of each change that can change it
-- (a contract created, a clause status set or a waiver approved, a clause
-- added to the catalogue; a contract deleted takes its rows along), and the
-- filter reads (code, contract_id) in order from the cursor.
CREATE TABLE contract_missing_clauses (
    code         VARCHAR(80) NOT NULL,
    contract_id  VARCHAR(36) NOT NULL REFERENCES contracts (id) ON DELETE CASCADE,
    PRIMARY KEY (code, contract_id)
){{if not .Postgres}} WITHOUT ROWID{{end}};
-- The cascade of a contract's deletion finds its rows by contract.
CREATE INDEX contract_missing_clauses_contract_idx ON contract_missing_clauses (contract_id);

-- Backfill with the rule as it stands (included or waived addresses a
-- clause; store.RebuildMissingClauses applies the domain's rule itself).
INSERT INTO contract_missing_clauses (code, contract_id)
SELECT k.code, c.id FROM catalogue_items k CROSS JOIN contracts c
WHERE k.catalogue = 'clauses'
  AND NOT EXISTS (SELECT 1 FROM contract_clauses cc
                  WHERE cc.contract_id = c.id AND cc.code = k.code AND cc.status IN ('included', 'waived'));
