-- CI (docs/ci.md): projects, the jobs run for them on real hardware, their steps, logs and results.

CREATE TABLE ci_projects (
    id         uuid          PRIMARY KEY,
    owner_id   uuid          NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The spec form's namespace (POST /ci/new with ns); null for a project made by the project form.
    ns         varchar(200),
    repo_url   varchar(2000) NOT NULL,
    eurl       varchar(2000),
    created_at timestamp(6) with time zone NOT NULL
);

-- The spec form finds its project again by namespace and URL.
CREATE UNIQUE INDEX ci_projects_by_ns ON ci_projects (owner_id, ns, repo_url) WHERE ns IS NOT NULL;
CREATE INDEX ci_projects_by_owner ON ci_projects (owner_id, created_at);

CREATE TABLE ci_jobs (
    id            uuid         PRIMARY KEY,
    project_id    uuid         NOT NULL REFERENCES ci_projects (id) ON DELETE CASCADE,
    owner_id      uuid         NOT NULL,
    -- As asked: a branch, a commit, or both (the commit must then be on the branch).
    branch        varchar(255),
    commit_id     varchar(64),
    -- The commit that ran, once the repository was read.
    revision      varchar(64),
    status        varchar(16)  NOT NULL
        CHECK (status IN ('queued', 'running', 'passed', 'failed', 'error', 'cancelled')),
    -- Why it ended so, for an infrastructure error or a failure; null while live and for passed.
    reason        varchar(1000),
    timed_out     boolean      NOT NULL DEFAULT false,
    cancel_asked  boolean      NOT NULL DEFAULT false,
    eurl          varchar(2000),
    -- The repository's .rigfleet.yml as read, and what ran: its deployment and instance.
    config        jsonb,
    deployment_id uuid,
    instance_id   uuid,
    -- The replica running the job and until when its claim holds (renewed while it runs).
    runner        varchar(200),
    runner_until  timestamp(6) with time zone,
    log_bytes     bigint       NOT NULL DEFAULT 0,
    log_truncated boolean      NOT NULL DEFAULT false,
    results       jsonb,
    created_at    timestamp(6) with time zone NOT NULL,
    started_at    timestamp(6) with time zone,
    ended_at      timestamp(6) with time zone,
    CHECK ((status IN ('queued', 'running')) = (ended_at IS NULL))
);

CREATE INDEX ci_jobs_live ON ci_jobs (created_at) WHERE status IN ('queued', 'running');
CREATE INDEX ci_jobs_by_project ON ci_jobs (project_id, created_at);
CREATE INDEX ci_jobs_by_owner ON ci_jobs (owner_id, created_at);

CREATE TABLE ci_job_steps (
    job_id     uuid          NOT NULL REFERENCES ci_jobs (id) ON DELETE CASCADE,
    position   integer       NOT NULL,
    command    varchar(10000) NOT NULL,
    exit_code  integer,
    started_at timestamp(6) with time zone,
    ended_at   timestamp(6) with time zone,
    PRIMARY KEY (job_id, position)
);

-- A job's log as written, in chunks at their byte offsets: kept in the database so that any replica serves it
-- while the job runs and after, and bounded per job (rigfleet.ci.max-log-bytes) with a marker where it was cut.
CREATE TABLE ci_job_log (
    job_id       uuid   NOT NULL REFERENCES ci_jobs (id) ON DELETE CASCADE,
    start_offset bigint NOT NULL,
    data         bytea  NOT NULL,
    PRIMARY KEY (job_id, start_offset)
);
