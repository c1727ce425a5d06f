-- Collection strategies, the rules that assign them, customer risk
-- classes and the ranked worklist stored per business date.

alter table customer add column risk_class text
  check (risk_class in ('low', 'medium', 'high', 'very_high'));

-- A strategy is an ordered list of steps. Each change makes a new version;
-- the steps of every version stay, so an entry ranked under version 3 can
-- still be explained after version 4 is saved.
create table collection_strategy (
  company_id integer not null references company (company_id),
  strategy_id bigint not null,
  code text not null check (code ~ '^[A-Za-z0-9_.-]{1,40}$'),
  name text not null,
  is_default boolean not null default false,
  -- Retired strategies keep their steps for history and match no customer.
  active boolean not null default true,
  version integer not null default 1 check (version >= 1),
  updated_by text not null,
  updated_at timestamptz not null default now(),
  created_at timestamptz not null default now(),
  primary key (company_id, strategy_id),
  unique (company_id, code)
);
create unique index collection_strategy_one_default
  on collection_strategy (company_id) where is_default and active;
create sequence collection_strategy_id_seq;

-- Each saved version: its name and who saved it when.
create table collection_strategy_version (
  company_id integer not null,
  strategy_id bigint not null,
  version integer not null,
  name text not null,
  saved_by text not null,
  saved_at timestamptz not null default now(),
  primary key (company_id, strategy_id, version),
  foreign key (company_id, strategy_id) references collection_strategy (company_id, strategy_id)
);

create table collection_strategy_step (
  company_id integer not null,
  strategy_id bigint not null,
  version integer not null,
  position smallint not null check (position >= 1),
  action text not null check (action in (
    'email_reminder', 'call', 'letter', 'visit', 'stop_supply', 'legal')),
  -- Days past due of the customer's oldest open item, inclusive; negative
  -- values are days before the due date (reminders). No upper end when null.
  days_from integer not null,
  days_to integer,
  -- In minor units of the company currency.
  min_amount_local bigint not null default 0 check (min_amount_local >= 0),
  risk_class text check (risk_class in ('low', 'medium', 'high', 'very_high')),
  segment text,
  weight integer not null check (weight between 0 and 50),
  note text,
  primary key (company_id, strategy_id, version, position),
  foreign key (company_id, strategy_id, version)
    references collection_strategy_version (company_id, strategy_id, version),
  check (days_to is null or days_to >= days_from)
);

-- The first rule by priority whose conditions all hold picks a customer's
-- strategy; a null condition matches every customer.
create table collection_strategy_rule (
  company_id integer not null,
  rule_id bigint not null,
  priority integer not null,
  strategy_id bigint not null,
  segment text,
  risk_class text check (risk_class in ('low', 'medium', 'high', 'very_high')),
  region text,
  updated_by text not null,
  updated_at timestamptz not null default now(),
  primary key (company_id, rule_id),
  unique (company_id, priority),
  foreign key (company_id, strategy_id) references collection_strategy (company_id, strategy_id)
);
create sequence collection_strategy_rule_id_seq;

-- One ranking of a company's worklist for a business date. The run and its
-- entries are derived data, so both tables are unlogged: writing them
-- skips the write-ahead log, and after a crash PostgreSQL empties both
-- together, so the next read finds no run and ranks the date again.
create unlogged table worklist_run (
  company_id integer not null,
  work_date date not null,
  ranked_at timestamptz not null default now(),
  entries integer not null,
  duration_ms integer not null,
  primary key (company_id, work_date)
);

-- A customer that needs an action on the work date, with the parts of its
-- score. Amounts are minor units of the company currency. Derived from the
-- ledger and collection work, so it carries no foreign key: one per row
-- cost a quarter of the ranking time.
create unlogged table worklist_entry (
  company_id integer not null,
  work_date date not null,
  customer_id bigint not null,
  -- Copied so that a page is read in index order: ties go by customer number.
  customer_number text not null,
  collector text,
  strategy_id bigint,
  strategy_version integer,
  step_position smallint,
  action text,
  -- The day the step became due: oldest due date plus the step's days_from.
  step_due_date date,
  days_past_due integer,
  overdue_local bigint not null,
  disputed_local bigint not null,
  risk_class text,
  broken_promises integer not null,
  follow_up_date date,
  promise_due_date date,
  promise_broken_date date,
  amount_points numeric(7, 2) not null,
  days_points numeric(7, 2) not null,
  risk_points numeric(7, 2) not null,
  promise_points numeric(7, 2) not null,
  step_points numeric(7, 2) not null,
  task_points numeric(7, 2) not null,
  score numeric(8, 2) not null,
  primary key (company_id, work_date, customer_id)
);
-- Pages are read in this order; a collector's page filters it, which
-- costs less than a second index costs each ranking. Customer numbers
-- compare byte by byte ("C"), which is cheaper to maintain than the
-- database's language collation and orders codes the same way everywhere.
create index worklist_entry_rank_idx
  on worklist_entry (company_id, work_date, score desc, overdue_local desc, customer_number collate "C");

-- Customers whose ledger changed after their worklist entries were ranked,
-- from `from_date` on; the worklist re-ranks them when it is next read.
create table worklist_stale (
  company_id integer not null,
  customer_id bigint not null,
  from_date date not null,
  marked_at timestamptz not null default now(),
  primary key (company_id, customer_id)
);

-- The last time the worklist looked for collection work recorded since
-- (activities, promises, dispute events) and marked those customers stale.
create table worklist_sweep (
  company_id integer primary key references company (company_id),
  swept_at timestamptz not null
);
create index collection_activity_created_idx on collection_activity (company_id, created_at);
create index promise_to_pay_created_idx on promise_to_pay (company_id, created_at);
create index dispute_event_created_idx on dispute_event (company_id, created_at);

-- Every change to the ledger marks the customers it touches, from the
-- day it takes effect, whatever wrote it: cash application, an ERP
-- import, a manual allocation or a reversal. Only companies with a stored
-- worklist are marked. The next read of a stored worklist re-ranks them.
-- One line each: the migration runner splits statements at a semicolon that ends a line.
create function mark_worklist_allocations() returns trigger language plpgsql as $$ begin insert into worklist_stale (company_id, customer_id, from_date) select i.company_id, i.customer_id, min(n.allocation_date) from (select company_id, debit_item_id as item_id, allocation_date from inserted union all select company_id, credit_item_id, allocation_date from inserted) n join open_item i on i.company_id = n.company_id and i.item_id = n.item_id where exists (select 1 from worklist_run r where r.company_id = n.company_id) group by i.company_id, i.customer_id on conflict (company_id, customer_id) do update set from_date = least(worklist_stale.from_date, excluded.from_date), marked_at = now(); return null; end $$;

create function mark_worklist_items() returns trigger language plpgsql as $$ begin insert into worklist_stale (company_id, customer_id, from_date) select n.company_id, n.customer_id, min(n.posting_date) from inserted n where exists (select 1 from worklist_run r where r.company_id = n.company_id) group by n.company_id, n.customer_id on conflict (company_id, customer_id) do update set from_date = least(worklist_stale.from_date, excluded.from_date), marked_at = now(); return null; end $$;

create trigger allocation_marks_worklist
  after insert on allocation referencing new table as inserted
  for each statement execute function mark_worklist_allocations();

create trigger open_item_marks_worklist
  after insert on open_item referencing new table as inserted
  for each statement execute function mark_worklist_items();
