-- A contract has at most one scheduled confirmation, whoever schedules it
-- (a person through the API or the due-scan).
CREATE UNIQUE INDEX confirmations_one_scheduled_key ON confirmations (contract_id) WHERE status = 'scheduled';
