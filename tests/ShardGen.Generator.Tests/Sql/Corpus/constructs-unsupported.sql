-- Valid PostgreSQL that ShardGen's parser still refuses, one statement a line: PostgresOracleTests checks that PostgreSQL
-- accepts each and that ShardGen reports each as unsupported, with a reason (never as a syntax error). Move a line to
-- constructs.sql when ShardGen parses it.
INSERT INTO archive (id) SELECT id FROM messages WHERE tenant_id = @tenant UNION SELECT id FROM replies WHERE tenant_id = @tenant
SELECT * INTO archive FROM messages WHERE tenant_id = @tenant
