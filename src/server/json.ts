/**
 * Serializes a response body, and throws on a bigint instead of guessing
 * a format. Routes format each amount as decimal text with its currency's
 * exponent, and each id as text. A JSON number loses precision past 2^53,
 * and a bare count of minor units does not say where the decimal point goes.
 */
export function serializeJson(payload: unknown): string {
  try {
    // JSON.stringify itself rejects a bigint, without the cost of a
    // replacer called for every value of a large report.
    return JSON.stringify(payload);
  } catch (error) {
    if (!(error instanceof TypeError) || !/bigint/i.test(error.message)) throw error;
    // Serialize again, slowly, only to name the field.
    JSON.stringify(payload, (key, value: unknown) => {
      if (typeof value === 'bigint') {
        throw new TypeError(`response field "${key}" is a bigint; format it as text before sending`);
      }
      return value;
    });
    throw error;
  }
}
