-- A deployment declared as a WorkspaceDeployment resource in a cluster: "<namespace>/<name>" of that resource, null
-- for one made through the API. At most one deployment in service per resource.
ALTER TABLE deployments ADD COLUMN declared_by varchar(317);

CREATE UNIQUE INDEX deployments_one_per_resource ON deployments (declared_by)
    WHERE declared_by IS NOT NULL AND retired_at IS NULL;
