/**
 * Fixed master data of the demo ledger: the companies, the markets their
 * customers sit in, payment terms, credit segments and the word lists
 * for customer names. Every name here is invented.
 */

/** A market of a company: where a customer sits and what it is billed in. */
export interface MarketSpec {
  country: string;
  region: string;
  /** Billing currency of the market's customers. */
  currency: string;
  weight: number;
  collectors: readonly string[];
  legalForms: readonly string[];
  /** Extra days customers here pay late, on top of their credit segment. */
  extraDelayDays: number;
}

export interface CompanySpec {
  code: string;
  name: string;
  currency: string;
  /** ISO weekday numbers of the weekend, 1 = Monday ... 7 = Sunday. */
  weekendDays: number[];
  /** Share of the demo's customers and items that this company gets. */
  share: number;
  /** First digit of the company's customer numbers. */
  customerNumberPrefix: string;
  markets: readonly MarketSpec[];
  salesReps: readonly string[];
  /** Payment terms offered, with their weights. */
  terms: readonly { value: string; weight: number }[];
}

/** Payment terms: days from the document date to the due date. */
export const termDays: Readonly<Record<string, number>> = {
  NT15: 15,
  NT30: 30,
  NT45: 45,
  NT60: 60,
  NT90: 90,
};

/** Payment habits of a credit segment: days late (mean and spread) and its risks. */
export interface PaymentBehaviour {
  meanDelayDays: number;
  delaySpreadDays: number;
  /** Probability that an item is paid in two parts. */
  partialPayment: number;
  /** Probability that an item is never paid. */
  nonPayment: number;
  /** Probability that an invoice is disputed. */
  dispute: number;
}

export const creditSegments: readonly {
  value: string;
  weight: number;
  behaviour: PaymentBehaviour;
}[] = [
  {
    value: 'A',
    weight: 35,
    behaviour: { meanDelayDays: -1, delaySpreadDays: 4, partialPayment: 0.03, nonPayment: 0.003, dispute: 0.01 },
  },
  {
    value: 'B',
    weight: 35,
    behaviour: { meanDelayDays: 9, delaySpreadDays: 9, partialPayment: 0.08, nonPayment: 0.01, dispute: 0.02 },
  },
  {
    value: 'C',
    weight: 20,
    behaviour: { meanDelayDays: 28, delaySpreadDays: 18, partialPayment: 0.15, nonPayment: 0.04, dispute: 0.04 },
  },
  {
    value: 'D',
    weight: 10,
    behaviour: { meanDelayDays: 65, delaySpreadDays: 40, partialPayment: 0.25, nonPayment: 0.15, dispute: 0.08 },
  },
];

/**
 * Rough units of each currency per US dollar, used to size invoices in the
 * billing currency and as the centre of the demo's FX rates. They are
 * illustrative and not market data.
 */
export const unitsPerUsd: Readonly<Record<string, number>> = {
  USD: 1,
  EUR: 0.92,
  GBP: 0.79,
  CHF: 0.88,
  CAD: 1.36,
  PLN: 3.98,
  JPY: 151.2,
  KWD: 0.3075,
  SAR: 3.75,
  AED: 3.6725,
};

export const companySpecs: readonly CompanySpec[] = [
  {
    code: 'US01',
    name: 'Ardesk Demo Inc.',
    currency: 'USD',
    weekendDays: [6, 7],
    share: 0.45,
    customerNumberPrefix: '1',
    salesReps: ['Olivia Brooks', 'Ethan Reed', 'Grace Patel', 'Lucas Moreno', 'Hannah Kim'],
    terms: [
      { value: 'NT30', weight: 60 },
      { value: 'NT45', weight: 20 },
      { value: 'NT15', weight: 10 },
      { value: 'NT60', weight: 10 },
    ],
    markets: [
      { country: 'US', region: 'US East', currency: 'USD', weight: 30, collectors: ['Maria Lopez', 'James Carter'], legalForms: ['Inc.', 'LLC', 'Corp.'], extraDelayDays: 0 },
      { country: 'US', region: 'US West', currency: 'USD', weight: 25, collectors: ['Kevin Nguyen'], legalForms: ['Inc.', 'LLC'], extraDelayDays: 0 },
      { country: 'CA', region: 'Canada', currency: 'CAD', weight: 12, collectors: ['Sophie Tremblay'], legalForms: ['Ltd.', 'Inc.'], extraDelayDays: 2 },
      { country: 'MX', region: 'Latin America', currency: 'USD', weight: 8, collectors: ['Diego Ramirez'], legalForms: ['S.A. de C.V.'], extraDelayDays: 12 },
      { country: 'JP', region: 'Asia Pacific', currency: 'JPY', weight: 5, collectors: ['Yuki Tanaka'], legalForms: ['K.K.'], extraDelayDays: -2 },
      { country: 'DE', region: 'Europe', currency: 'EUR', weight: 6, collectors: ['Anna Schmidt'], legalForms: ['GmbH', 'AG'], extraDelayDays: 3 },
    ],
  },
  {
    code: 'DE01',
    name: 'Ardesk Demo GmbH',
    currency: 'EUR',
    weekendDays: [6, 7],
    share: 0.35,
    customerNumberPrefix: '2',
    salesReps: ['Jonas Weber', 'Lea Fischer', 'Claire Martin', 'Tom Janssen'],
    terms: [
      { value: 'NT30', weight: 50 },
      { value: 'NT60', weight: 25 },
      { value: 'NT45', weight: 15 },
      { value: 'NT90', weight: 10 },
    ],
    markets: [
      { country: 'DE', region: 'DACH', currency: 'EUR', weight: 30, collectors: ['Anna Schmidt', 'Felix Wagner'], legalForms: ['GmbH', 'AG', 'KG'], extraDelayDays: 0 },
      { country: 'AT', region: 'DACH', currency: 'EUR', weight: 6, collectors: ['Felix Wagner'], legalForms: ['GmbH'], extraDelayDays: 0 },
      { country: 'CH', region: 'DACH', currency: 'CHF', weight: 6, collectors: ['Felix Wagner'], legalForms: ['AG', 'GmbH'], extraDelayDays: -1 },
      { country: 'FR', region: 'Western Europe', currency: 'EUR', weight: 12, collectors: ['Claire Dubois'], legalForms: ['SAS', 'SA', 'SARL'], extraDelayDays: 8 },
      { country: 'NL', region: 'Western Europe', currency: 'EUR', weight: 8, collectors: ['Claire Dubois'], legalForms: ['B.V.'], extraDelayDays: 1 },
      { country: 'GB', region: 'UK and Ireland', currency: 'GBP', weight: 10, collectors: ['Oliver Hughes'], legalForms: ['Ltd', 'plc'], extraDelayDays: 4 },
      { country: 'PL', region: 'Central Europe', currency: 'PLN', weight: 5, collectors: ['Marta Nowak'], legalForms: ['Sp. z o.o.'], extraDelayDays: 10 },
      { country: 'US', region: 'Export', currency: 'USD', weight: 5, collectors: ['Oliver Hughes'], legalForms: ['Inc.'], extraDelayDays: 5 },
    ],
  },
  {
    code: 'KW01',
    name: 'Ardesk Demo Trading Co. W.L.L.',
    currency: 'KWD',
    // Kuwait's weekend is Friday and Saturday.
    weekendDays: [5, 6],
    share: 0.2,
    customerNumberPrefix: '3',
    salesReps: ['Fahad Al-Sabah', 'Noura Al-Mutairi', 'Rahul Menon'],
    terms: [
      { value: 'NT60', weight: 45 },
      { value: 'NT90', weight: 30 },
      { value: 'NT30', weight: 25 },
    ],
    markets: [
      { country: 'KW', region: 'Kuwait', currency: 'KWD', weight: 40, collectors: ['Ahmad Hassan', 'Layla Yousef'], legalForms: ['W.L.L.', 'K.S.C.C.'], extraDelayDays: 15 },
      { country: 'SA', region: 'GCC', currency: 'SAR', weight: 10, collectors: ['Omar Khalid'], legalForms: ['LLC'], extraDelayDays: 20 },
      { country: 'AE', region: 'GCC', currency: 'AED', weight: 8, collectors: ['Omar Khalid'], legalForms: ['LLC', 'FZE'], extraDelayDays: 12 },
      { country: 'IN', region: 'International', currency: 'USD', weight: 6, collectors: ['Layla Yousef'], legalForms: ['Pvt. Ltd.'], extraDelayDays: 10 },
    ],
  },
];

export const namePrefixes: readonly string[] = [
  'Northwind', 'Bluewater', 'Cedar', 'Summit', 'Harbor', 'Ironbridge', 'Lakeside',
  'Redstone', 'Silverline', 'Granite', 'Evergreen', 'Falcon', 'Meridian', 'Orchard',
  'Pioneer', 'Riverside', 'Sterling', 'Keystone', 'Atlas', 'Beacon', 'Crescent',
  'Delta', 'Horizon', 'Juniper', 'Maple', 'Oakfield', 'Pinnacle', 'Quarry',
  'Sandstone', 'Tidewater', 'Vanguard', 'Westgate', 'Amber', 'Copper', 'Desert',
  'Golden', 'Highland', 'Lighthouse', 'Saffron', 'Palm',
];

export const nameSuffixes: readonly string[] = [
  'Trading', 'Logistics', 'Supplies', 'Industries', 'Retail', 'Foods', 'Engineering',
  'Construction', 'Pharma', 'Motors', 'Electronics', 'Textiles', 'Packaging',
  'Chemicals', 'Hospitality', 'Distribution', 'Healthcare', 'Energy', 'Systems',
  'Building Materials',
];
