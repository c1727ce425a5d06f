-- Users, their scope, sessions and API tokens, and the append-only audit
-- trail. Session ids and tokens are stored only as SHA-256 hashes, so a
-- copy of the database does not let anyone sign in.

create table app_user (
  user_id integer generated always as identity primary key,
  -- Stored in lower case; sign-in compares lower case.
  email text not null unique check (email = lower(email)),
  name text not null default '',
  -- scrypt$N$r$p$salt$hash, salt and hash in base64.
  password_hash text not null,
  role text not null check (role in ('collector', 'credit_analyst', 'credit_manager',
    'regional_accountant', 'treasury', 'legal', 'sales', 'finance', 'auditor', 'admin')),
  date_format text not null default 'YYYY-MM-DD'
    check (date_format in ('YYYY-MM-DD', 'DD.MM.YYYY', 'DD/MM/YYYY', 'MM/DD/YYYY')),
  disabled boolean not null default false,
  -- Failed sign-ins since the last successful one.
  failed_attempts integer not null default 0,
  locked_until timestamptz,
  created_at timestamptz not null default now()
);

-- A user with rows here sees only these companies; without rows, every company.
create table user_company (
  user_id integer not null references app_user (user_id),
  company_id integer not null references company (company_id),
  primary key (user_id, company_id)
);

-- A user with rows here sees only customers of these regions; without rows, every region.
create table user_region (
  user_id integer not null references app_user (user_id),
  region text not null,
  primary key (user_id, region)
);

create table user_session (
  -- SHA-256 of the session id in the cookie, hex.
  session_hash text primary key,
  user_id integer not null references app_user (user_id),
  created_at timestamptz not null,
  last_seen_at timestamptz not null,
  expires_at timestamptz not null
);

create index user_session_user on user_session (user_id);

create table api_token (
  token_id integer generated always as identity primary key,
  user_id integer not null references app_user (user_id),
  name text not null,
  -- SHA-256 of the token, hex.
  token_hash text not null unique,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);

create table audit_event (
  event_id bigint generated always as identity primary key,
  at timestamptz not null default now(),
  actor_email text not null,
  actor_user_id integer,
  -- How the actor proved who they are: session, token or cli.
  actor_via text not null,
  action text not null,
  entity text not null,
  entity_id text,
  company_id integer,
  before jsonb,
  after jsonb,
  reason text,
  outcome text not null check (outcome in ('ok', 'denied'))
);

create index audit_event_at on audit_event (at);

-- The audit trail is append-only: updates, deletes and truncates raise.
create function audit_event_reject_change() returns trigger language plpgsql as $$ begin raise exception 'audit_event is append-only: % is not allowed', tg_op; end $$;

create trigger audit_event_no_update before update or delete on audit_event
  for each row execute function audit_event_reject_change();

create trigger audit_event_no_truncate before truncate on audit_event
  for each statement execute function audit_event_reject_change();
