-- Something the owner should look at, such as an instance whose device never confirmed its end (it may still run
-- there). Null when there is nothing; the owner clears it with DELETE /deployment/:id/attention.
ALTER TABLE deployments ADD COLUMN attention varchar(500);
