-- Payment terms: a code per company with one or more instalments, each a
-- share of the invoice amount due a number of days after the base date.

create table payment_term (
  company_id integer not null references company (company_id),
  code text not null,
  description text not null default '',
  -- Move a due date that falls on a weekend or holiday to the next
  -- business day of the company's calendar.
  roll_to_business_day boolean not null default false,
  created_at timestamptz not null default now(),
  primary key (company_id, code)
);

create table payment_term_instalment (
  company_id integer not null,
  code text not null,
  instalment smallint not null check (instalment >= 1),
  -- Share of the invoice amount in basis points (10000 = all of it).
  share_bp integer not null check (share_bp > 0 and share_bp <= 10000),
  due_days integer not null check (due_days >= 0),
  primary key (company_id, code, instalment),
  foreign key (company_id, code) references payment_term (company_id, code)
);
