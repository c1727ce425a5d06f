-- Collections work: activities (calls, visits, emails, letters,
-- meetings), promises to pay and disputes.

-- Per company: days after a promised date during which a payment still
-- keeps the promise.
create table collection_setting (
  company_id integer primary key references company (company_id),
  promise_grace_days integer not null default 3 check (promise_grace_days >= 0)
);

-- Append-only: a correction is a new activity naming the one it corrects.
create table collection_activity (
  company_id integer not null,
  activity_id bigint not null,
  customer_id bigint not null,
  kind text not null check (kind in ('call', 'visit', 'email', 'letter', 'meeting')),
  activity_date date not null,
  contact text,
  outcome text not null check (outcome in (
    'reached', 'no_answer', 'promised', 'disputed', 'refused', 'wrong_contact', 'left_message', 'other')),
  note text,
  follow_up_date date,
  sales_rep text,
  visit_report text,
  next_step text,
  corrects_activity_id bigint,
  actor text not null,
  created_at timestamptz not null default now(),
  primary key (company_id, activity_id),
  foreign key (company_id, customer_id) references customer (company_id, customer_id),
  foreign key (company_id, corrects_activity_id) references collection_activity (company_id, activity_id),
  check (follow_up_date is null or follow_up_date >= activity_date)
);
create index collection_activity_customer_idx on collection_activity (company_id, customer_id, activity_date);
create index collection_activity_follow_up_idx on collection_activity (company_id, follow_up_date)
  where follow_up_date is not null;
create sequence collection_activity_id_seq;

create table promise_to_pay (
  company_id integer not null,
  promise_id bigint not null,
  customer_id bigint not null,
  activity_id bigint,
  currency char(3) not null references currency (code),
  amount bigint not null check (amount > 0),
  -- The day the customer made the promise: payments count from then.
  promise_date date not null,
  promised_date date not null,
  status text not null default 'open' check (status in ('open', 'kept', 'broken', 'cancelled')),
  -- Kept: the day the payments reached the amount; broken: the last day of grace.
  decided_date date,
  -- The as-of date of the evaluation that decided it.
  evaluated_as_of date,
  paid_amount bigint,
  note text,
  actor text not null,
  created_at timestamptz not null default now(),
  primary key (company_id, promise_id),
  foreign key (company_id, customer_id) references customer (company_id, customer_id),
  foreign key (company_id, activity_id) references collection_activity (company_id, activity_id),
  check (promised_date >= promise_date)
);
create index promise_to_pay_status_idx on promise_to_pay (company_id, status, promised_date);
create index promise_to_pay_customer_idx on promise_to_pay (company_id, customer_id);
create sequence promise_id_seq;

create table promise_item (
  company_id integer not null,
  promise_id bigint not null,
  item_id bigint not null,
  amount bigint not null check (amount > 0),
  primary key (company_id, promise_id, item_id),
  foreign key (company_id, promise_id) references promise_to_pay (company_id, promise_id),
  foreign key (company_id, item_id) references open_item (company_id, item_id)
);

create table dispute (
  company_id integer not null,
  dispute_id bigint not null,
  customer_id bigint not null,
  currency char(3) not null references currency (code),
  reason text not null check (reason in ('price', 'quantity', 'quality', 'not_delivered', 'duplicate', 'other')),
  department text not null check (department in ('sales', 'billing', 'logistics')),
  status text not null default 'open' check (status in ('open', 'in_review', 'resolved')),
  opened_date date not null,
  review_date date,
  resolved_date date,
  resolution text check (resolution in ('credit_note', 'rejected')),
  credit_note_reference text,
  note text,
  actor text not null,
  created_at timestamptz not null default now(),
  primary key (company_id, dispute_id),
  foreign key (company_id, customer_id) references customer (company_id, customer_id),
  check ((status = 'resolved') = (resolution is not null and resolved_date is not null)),
  check (resolution is distinct from 'credit_note' or credit_note_reference is not null)
);
create index dispute_status_idx on dispute (company_id, status);
create index dispute_customer_idx on dispute (company_id, customer_id);
create sequence dispute_id_seq;

create table dispute_item (
  company_id integer not null,
  dispute_id bigint not null,
  item_id bigint not null,
  amount bigint not null check (amount > 0),
  primary key (company_id, dispute_id, item_id),
  foreign key (company_id, dispute_id) references dispute (company_id, dispute_id),
  foreign key (company_id, item_id) references open_item (company_id, item_id)
);
create index dispute_item_item_idx on dispute_item (company_id, item_id);

-- Every change of a dispute's status, dated by the day it happened.
create table dispute_event (
  company_id integer not null,
  event_id bigint not null,
  dispute_id bigint not null,
  event_date date not null,
  from_status text,
  to_status text not null,
  actor text not null,
  note text,
  created_at timestamptz not null default now(),
  primary key (company_id, event_id),
  foreign key (company_id, dispute_id) references dispute (company_id, dispute_id)
);
create sequence dispute_event_id_seq;
