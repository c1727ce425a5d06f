-- Daily jobs per business date. A row is a claim: whoever inserts it runs
-- the job for that date, so a job runs once per date however many
-- processes or servers start it.
create table job_run (
  job_name text not null,
  business_date date not null,
  status text not null check (status in ('running', 'done', 'failed')),
  started_by text not null,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  -- What the job did, per company, as the job reports it.
  detail jsonb,
  error text,
  attempts integer not null default 1,
  primary key (job_name, business_date)
);
