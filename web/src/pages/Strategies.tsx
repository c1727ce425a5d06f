import { useState, type FormEvent } from 'react';
import { ApiError, post, queryString, request } from '../api.js';
import { ErrorMessage, Field, Loading } from '../components/common.js';
import { navigate, useLocation } from '../router.js';
import { useSession } from '../session.js';
import type { RiskClass, Strategy, StrategyAction, StrategyRule, StrategyStep } from '../types.js';
import { useApi } from '../useApi.js';

/** Roles that edit strategies and rules: the server's `collections.strategy`. */
const strategyRoles: ReadonlySet<string> = new Set(['admin', 'finance', 'credit_manager']);

const actions: StrategyAction[] = ['email_reminder', 'call', 'letter', 'visit', 'stop_supply', 'legal'];
const riskClasses: RiskClass[] = ['low', 'medium', 'high', 'very_high'];
const defaultWeights: Record<StrategyAction, number> = { email_reminder: 5, call: 10, letter: 10, visit: 15, stop_supply: 20, legal: 25 };

const label = (text: string) => text.replaceAll('_', ' ');

export function StrategiesPage() {
  const { companies, user } = useSession();
  const { query } = useLocation();
  const company = query.get('company') || companies[0]?.code || '';
  const editable = strategyRoles.has(user.role);
  const strategies = useApi<{ company: string; currency: string; strategies: Strategy[] }>(`/strategies${queryString({ company })}`);
  const rules = useApi<{ rules: StrategyRule[] }>(`/strategy-rules${queryString({ company })}`);
  const [editing, setEditing] = useState<Strategy | null>(null);

  return (
    <section>
      <h1>Collection strategies</h1>
      {companies.length > 1 ? (
        <Field label="Company" htmlFor="strategies-company">
          <select
            id="strategies-company"
            value={company}
            onChange={(event) => {
              setEditing(null);
              navigate(`/strategies${queryString({ company: event.target.value })}`, { replace: true });
            }}
          >
            {companies.map((option) => (
              <option key={option.code} value={option.code}>
                {option.code}
              </option>
            ))}
          </select>
        </Field>
      ) : null}
      {editable ? null : (
        <p className="notice" role="status">
          Your role ({label(user.role)}) can read strategies; the admin, finance and credit manager roles change them.
        </p>
      )}
      <Loading when={strategies.loading} />
      <ErrorMessage error={strategies.error} />
      {strategies.data ? (
        <>
          {strategies.data.strategies.map((strategy) => (
            <StrategyView key={strategy.code} strategy={strategy} currency={strategies.data!.currency} editable={editable} onEdit={() => setEditing(strategy)} />
          ))}
          {editable ? (
            <button
              type="button"
              onClick={() =>
                setEditing({
                  code: '',
                  name: '',
                  isDefault: strategies.data!.strategies.length === 0,
                  active: true,
                  version: 0,
                  updatedBy: '',
                  updatedAt: '',
                  steps: [{ action: 'call', daysFrom: 1, daysTo: null, minAmount: '0', riskClass: null, segment: null, weight: 10, note: null }],
                })
              }
            >
              New strategy
            </button>
          ) : null}
          {editing ? (
            <StrategyForm
              key={editing.code || 'new'}
              company={company}
              currency={strategies.data.currency}
              strategy={editing}
              onSaved={() => {
                setEditing(null);
                strategies.reload();
              }}
              onCancel={() => setEditing(null)}
            />
          ) : null}
          <Rules company={company} rules={rules.data?.rules ?? []} strategies={strategies.data.strategies} editable={editable} reload={rules.reload} />
          <ErrorMessage error={rules.error} />
        </>
      ) : null}
    </section>
  );
}

function StrategyView({ strategy, currency, editable, onEdit }: { strategy: Strategy; currency: string; editable: boolean; onEdit(): void }) {
  return (
    <section className="panel" aria-labelledby={`strategy-${strategy.code}`}>
      <div className="panel-head">
        <h2 id={`strategy-${strategy.code}`}>
          {strategy.code} {strategy.name} {strategy.isDefault ? <span className="badge">default</span> : null}
        </h2>
        {editable ? (
          <button type="button" onClick={onEdit}>
            Edit {strategy.code}
          </button>
        ) : null}
      </div>
      <p className="muted">
        Version {strategy.version}, saved by {strategy.updatedBy} at {strategy.updatedAt.slice(0, 16).replace('T', ' ')} UTC.
      </p>
      <table className="compact">
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col">Action</th>
            <th scope="col">Days past due</th>
            <th scope="col" className="num">
              Min. overdue ({currency})
            </th>
            <th scope="col">Risk class</th>
            <th scope="col">Segment</th>
            <th scope="col" className="num">
              Weight
            </th>
            <th scope="col">Note</th>
          </tr>
        </thead>
        <tbody>
          {strategy.steps.map((step) => (
            <tr key={step.position}>
              <td>{step.position}</td>
              <td>{label(step.action)}</td>
              <td>
                {step.daysFrom < 0 && step.daysTo === -1
                  ? `${-step.daysFrom} days before due`
                  : `${step.daysFrom} to ${step.daysTo === null ? 'any' : step.daysTo}`}
              </td>
              <td className="num">{step.minAmount}</td>
              <td>{step.riskClass ? label(step.riskClass) : 'any'}</td>
              <td>{step.segment ?? 'any'}</td>
              <td className="num">{step.weight}</td>
              <td>{step.note ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function StrategyForm({
  company,
  currency,
  strategy,
  onSaved,
  onCancel,
}: {
  company: string;
  currency: string;
  strategy: Strategy;
  onSaved(): void;
  onCancel(): void;
}) {
  const [code, setCode] = useState(strategy.code);
  const [name, setName] = useState(strategy.name);
  const [isDefault, setIsDefault] = useState(strategy.isDefault);
  const [steps, setSteps] = useState<StrategyStep[]>(strategy.steps.map((step) => ({ ...step })));
  const [error, setError] = useState<ApiError | null>(null);
  const isNew = strategy.version === 0;

  const change = (index: number, patch: Partial<StrategyStep>) => setSteps(steps.map((step, at) => (at === index ? { ...step, ...patch } : step)));
  const move = (index: number, by: number) => {
    const next = [...steps];
    const [step] = next.splice(index, 1);
    next.splice(index + by, 0, step!);
    setSteps(next);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      await request('PUT', `/strategies/${encodeURIComponent(code)}${queryString({ company })}`, {
        name,
        isDefault,
        steps: steps.map((step) => ({
          action: step.action,
          daysFrom: step.daysFrom,
          daysTo: step.daysTo,
          minAmount: step.minAmount,
          riskClass: step.riskClass,
          segment: step.segment,
          weight: step.weight,
          note: step.note,
        })),
      });
      onSaved();
    } catch (caught) {
      setError(caught as ApiError);
    }
  };

  const number = (text: string) => (text.trim() === '' ? null : Number(text));
  return (
    <form className="panel" aria-label={isNew ? 'New strategy' : `Edit strategy ${strategy.code}`} onSubmit={(event) => void submit(event)}>
      <h2>{isNew ? 'New strategy' : `Edit ${strategy.code} (saving makes version ${strategy.version + 1})`}</h2>
      <div className="toolbar">
        <Field label="Code" htmlFor="strategy-code">
          <input id="strategy-code" required readOnly={!isNew} value={code} onChange={(event) => setCode(event.target.value)} />
        </Field>
        <Field label="Name" htmlFor="strategy-name">
          <input id="strategy-name" required value={name} onChange={(event) => setName(event.target.value)} />
        </Field>
        <div className="field inline">
          <input id="strategy-default" type="checkbox" checked={isDefault} onChange={(event) => setIsDefault(event.target.checked)} />
          <label htmlFor="strategy-default">Default strategy of the company</label>
        </div>
      </div>
      <p className="muted">Days past due count from the oldest open item; negative days are days before it falls due.</p>
      <table className="compact">
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col">Action</th>
            <th scope="col">From day</th>
            <th scope="col">To day</th>
            <th scope="col">Min. overdue ({currency})</th>
            <th scope="col">Risk class</th>
            <th scope="col">Segment</th>
            <th scope="col">Weight</th>
            <th scope="col">Note</th>
            <th scope="col">Order</th>
          </tr>
        </thead>
        <tbody>
          {steps.map((step, index) => {
            const id = (field: string) => `step-${index + 1}-${field}`;
            return (
              <tr key={index}>
                <td>{index + 1}</td>
                <td>
                  <select
                    id={id('action')}
                    aria-label={`Step ${index + 1} action`}
                    value={step.action}
                    onChange={(event) => {
                      const action = event.target.value as StrategyAction;
                      change(index, { action, weight: step.weight === defaultWeights[step.action] ? defaultWeights[action] : step.weight });
                    }}
                  >
                    {actions.map((action) => (
                      <option key={action} value={action}>
                        {label(action)}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  <input aria-label={`Step ${index + 1} from day`} type="number" required value={step.daysFrom} onChange={(event) => change(index, { daysFrom: Number(event.target.value) })} />
                </td>
                <td>
                  <input aria-label={`Step ${index + 1} to day`} type="number" value={step.daysTo ?? ''} onChange={(event) => change(index, { daysTo: number(event.target.value) })} />
                </td>
                <td>
                  <input aria-label={`Step ${index + 1} minimum overdue`} inputMode="decimal" value={step.minAmount} onChange={(event) => change(index, { minAmount: event.target.value })} />
                </td>
                <td>
                  <select aria-label={`Step ${index + 1} risk class`} value={step.riskClass ?? ''} onChange={(event) => change(index, { riskClass: (event.target.value || null) as RiskClass | null })}>
                    <option value="">any</option>
                    {riskClasses.map((riskClass) => (
                      <option key={riskClass} value={riskClass}>
                        {label(riskClass)}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  <input aria-label={`Step ${index + 1} segment`} value={step.segment ?? ''} onChange={(event) => change(index, { segment: event.target.value || null })} />
                </td>
                <td>
                  <input aria-label={`Step ${index + 1} weight`} type="number" min={0} max={50} value={step.weight} onChange={(event) => change(index, { weight: Number(event.target.value) })} />
                </td>
                <td>
                  <input aria-label={`Step ${index + 1} note`} value={step.note ?? ''} onChange={(event) => change(index, { note: event.target.value || null })} />
                </td>
                <td>
                  <button type="button" disabled={index === 0} onClick={() => move(index, -1)} aria-label={`Move step ${index + 1} up`}>
                    ↑
                  </button>
                  <button type="button" disabled={index === steps.length - 1} onClick={() => move(index, 1)} aria-label={`Move step ${index + 1} down`}>
                    ↓
                  </button>
                  <button type="button" disabled={steps.length === 1} onClick={() => setSteps(steps.filter((_step, at) => at !== index))} aria-label={`Remove step ${index + 1}`}>
                    Remove
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <button
        type="button"
        onClick={() => setSteps([...steps, { action: 'call', daysFrom: 1, daysTo: null, minAmount: '0', riskClass: null, segment: null, weight: 10, note: null }])}
      >
        Add step
      </button>
      <button type="submit">Save strategy</button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
      <ErrorMessage error={error} />
    </form>
  );
}

function Rules({
  company,
  rules,
  strategies,
  editable,
  reload,
}: {
  company: string;
  rules: StrategyRule[];
  strategies: Strategy[];
  editable: boolean;
  reload(): void;
}) {
  const [priority, setPriority] = useState('');
  const [strategy, setStrategy] = useState('');
  const [segment, setSegment] = useState('');
  const [riskClass, setRiskClass] = useState('');
  const [region, setRegion] = useState('');
  const [error, setError] = useState<ApiError | null>(null);

  const add = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      await post('/strategy-rules', {
        company,
        priority: Number(priority),
        strategy: strategy || strategies[0]?.code,
        segment: segment || null,
        riskClass: riskClass || null,
        region: region || null,
      });
      setPriority('');
      reload();
    } catch (caught) {
      setError(caught as ApiError);
    }
  };

  const remove = async (rule: StrategyRule) => {
    setError(null);
    try {
      await request('DELETE', `/strategy-rules/${rule.ruleId}${queryString({ company })}`);
      reload();
    } catch (caught) {
      setError(caught as ApiError);
    }
  };

  return (
    <section className="panel" aria-labelledby="strategy-rules">
      <h2 id="strategy-rules">Assignment rules</h2>
      <p className="muted">The first rule by priority whose conditions all match a customer picks its strategy; the default strategy takes the rest.</p>
      <table className="compact">
        <thead>
          <tr>
            <th scope="col">Priority</th>
            <th scope="col">Strategy</th>
            <th scope="col">Segment</th>
            <th scope="col">Risk class</th>
            <th scope="col">Region</th>
            <th scope="col">Changed by</th>
            {editable ? <th scope="col">Delete</th> : null}
          </tr>
        </thead>
        <tbody>
          {rules.map((rule) => (
            <tr key={rule.ruleId}>
              <td>{rule.priority}</td>
              <td>{rule.strategy}</td>
              <td>{rule.segment ?? 'any'}</td>
              <td>{rule.riskClass ? label(rule.riskClass) : 'any'}</td>
              <td>{rule.region ?? 'any'}</td>
              <td>{rule.updatedBy}</td>
              {editable ? (
                <td>
                  <button type="button" onClick={() => void remove(rule)} aria-label={`Delete rule ${rule.priority}`}>
                    Delete
                  </button>
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
      {editable ? (
        <form className="toolbar" aria-label="Add rule" onSubmit={(event) => void add(event)}>
          <Field label="Priority" htmlFor="rule-priority">
            <input id="rule-priority" type="number" min={1} required value={priority} onChange={(event) => setPriority(event.target.value)} />
          </Field>
          <Field label="Strategy" htmlFor="rule-strategy">
            <select id="rule-strategy" value={strategy || strategies[0]?.code || ''} onChange={(event) => setStrategy(event.target.value)}>
              {strategies.map((option) => (
                <option key={option.code} value={option.code}>
                  {option.code}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Segment" htmlFor="rule-segment">
            <input id="rule-segment" value={segment} onChange={(event) => setSegment(event.target.value)} />
          </Field>
          <Field label="Risk class" htmlFor="rule-risk">
            <select id="rule-risk" value={riskClass} onChange={(event) => setRiskClass(event.target.value)}>
              <option value="">any</option>
              {riskClasses.map((option) => (
                <option key={option} value={option}>
                  {label(option)}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Region" htmlFor="rule-region">
            <input id="rule-region" value={region} onChange={(event) => setRegion(event.target.value)} />
          </Field>
          <button type="submit">Add rule</button>
        </form>
      ) : null}
      <ErrorMessage error={error} />
    </section>
  );
}
