-- Checks: the register of customer checks (post-dated, certified and
-- returned), their events, deposit slips, customer flags and the
-- proposals a run of returned checks raises.

-- Per company: the charge for a returned check (company currency, 0 for
-- none) and how many returns within how many days raise the proposals.
create table check_setting (
  company_id integer primary key references company (company_id),
  return_charge bigint not null default 0 check (return_charge >= 0),
  return_limit_count integer not null default 2 check (return_limit_count > 0),
  return_period_days integer not null default 365 check (return_period_days > 0)
);

create table customer_check (
  company_id integer not null,
  check_id bigint not null,
  customer_id bigint not null,
  drawer text not null,
  drawer_bank text not null,
  check_number text not null,
  currency char(3) not null references currency (code),
  amount bigint not null check (amount > 0),
  issue_date date not null,
  maturity_date date not null,
  received_date date not null,
  certified boolean not null default false,
  status text not null check (status in (
    'received', 'in_safe', 'deposited', 'cleared', 'returned', 'replaced', 'cancelled')),
  slip_id bigint,
  deposited_date date,
  cleared_date date,
  -- The payment item clearing posted, reversed again when the check returns.
  payment_item_id bigint,
  returned_date date,
  return_reason text check (return_reason in (
    'insufficient_funds', 'signature', 'account_closed', 'stopped', 'post_dated', 'other')),
  return_text text,
  charge_item_id bigint,
  replaced_by_check_id bigint,
  replaces_check_id bigint,
  created_at timestamptz not null default now(),
  primary key (company_id, check_id),
  foreign key (company_id, customer_id) references customer (company_id, customer_id)
);

-- A drawer bank prints each check number once; bank names are compared
-- without case and surrounding spaces.
create unique index customer_check_number_key
  on customer_check (company_id, upper(btrim(drawer_bank)), check_number);
create index customer_check_customer_idx on customer_check (company_id, customer_id);
create index customer_check_status_idx on customer_check (company_id, status, maturity_date);

create sequence check_id_seq;

-- The open items a check is meant to pay, in the check's currency.
create table customer_check_line (
  company_id integer not null,
  check_id bigint not null,
  item_id bigint not null,
  amount bigint not null check (amount > 0),
  primary key (company_id, check_id, item_id),
  foreign key (company_id, check_id) references customer_check (company_id, check_id),
  foreign key (company_id, item_id) references open_item (company_id, item_id)
);

-- Every change of a check's state, dated by the day it happened.
create table check_event (
  company_id integer not null,
  event_id bigint not null,
  check_id bigint not null,
  event_date date not null,
  from_status text,
  to_status text not null,
  actor text not null,
  note text,
  created_at timestamptz not null default now(),
  primary key (company_id, event_id),
  foreign key (company_id, check_id) references customer_check (company_id, check_id)
);

create index check_event_check_idx on check_event (company_id, check_id, event_id);

create sequence check_event_id_seq;

create table deposit_slip (
  company_id integer not null,
  slip_id bigint not null,
  bank_account_id integer not null,
  slip_date date not null,
  currency char(3) not null references currency (code),
  -- The total written on the slip, equal to the sum of its lines.
  total bigint not null,
  reference text,
  created_by text not null,
  created_at timestamptz not null default now(),
  primary key (company_id, slip_id),
  foreign key (company_id, bank_account_id) references bank_account (company_id, bank_account_id)
);

create sequence deposit_slip_id_seq;

-- Cash deposited with the checks of a slip. The cash receipt id is kept
-- without a foreign key: cash receipts live in another module.
create table deposit_slip_cash (
  company_id integer not null,
  slip_id bigint not null,
  line_number integer not null,
  amount bigint not null check (amount > 0),
  currency char(3) not null references currency (code),
  reference text,
  cash_receipt_id bigint,
  primary key (company_id, slip_id, line_number),
  foreign key (company_id, slip_id) references deposit_slip (company_id, slip_id)
);

-- Marks on a customer that other modules and users read, such as a
-- returned check.
create table customer_flag (
  company_id integer not null,
  flag_id bigint not null,
  customer_id bigint not null,
  kind text not null,
  flag_date date not null,
  check_id bigint,
  note text,
  created_at timestamptz not null default now(),
  primary key (company_id, flag_id),
  foreign key (company_id, customer_id) references customer (company_id, customer_id)
);

create index customer_flag_customer_idx on customer_flag (company_id, customer_id);

create sequence customer_flag_id_seq;

-- Proposals for the credit and legal modules, raised by returned checks:
-- they block nothing until someone acts on them there.
create table check_proposal (
  company_id integer not null,
  proposal_id bigint not null,
  kind text not null check (kind in ('credit_block', 'legal_handover')),
  customer_id bigint not null,
  reason text not null,
  check_ids bigint[] not null,
  proposal_date date not null,
  status text not null default 'proposed',
  created_at timestamptz not null default now(),
  primary key (company_id, proposal_id),
  foreign key (company_id, customer_id) references customer (company_id, customer_id)
);

create sequence check_proposal_id_seq;
