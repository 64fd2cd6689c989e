import { describe, expect, it } from 'vitest';
import { UndecodableBody } from './incoming';
import { decodeJson, idToHex, plainJsonValue } from './otlp-json';

const body = (spans: unknown[], resource: unknown = undefined) => JSON.stringify({ resourceSpans: [{ resource, scopeSpans: [{ spans }] }] });

describe('OTLP/JSON decoding', () => {
  it('should read hex ids, string or number nanos, and enum names or numbers', () => {
    const { spans, rejected } = decodeJson(
      body([
        { traceId: 'ABCDEF0123456789ABCDEF0123456789', spanId: '0123456789ABCDEF', name: 'a', kind: 'SPAN_KIND_CLIENT', startTimeUnixNano: '1700000000000000001', endTimeUnixNano: 1700000000500000000, status: { code: 'STATUS_CODE_ERROR' } },
        { traceId: 'abcdef0123456789abcdef0123456789', spanId: '0123456789abcdef', name: 'b', kind: 2, startTimeUnixNano: '1', status: { code: 1 } },
      ]),
    );
    expect(rejected).toBe(0);
    expect(spans[0]).toMatchObject({ traceId: 'abcdef0123456789abcdef0123456789', spanId: '0123456789abcdef', kind: 3, startNs: 1700000000000000001n, statusCode: 2 });
    expect(spans[1]).toMatchObject({ kind: 2, statusCode: 1 });
  });

  it("should accept base64 ids as protobuf's generic JSON mapping writes them", () => {
    expect(idToHex(Buffer.from('0123456789abcdef0123456789abcdef', 'hex').toString('base64'), 16)).toBe('0123456789abcdef0123456789abcdef');
    expect(idToHex(Buffer.from('0123456789abcdef', 'hex').toString('base64'), 8)).toBe('0123456789abcdef');
    expect(idToHex('', 8)).toBe('');
  });

  it('should turn every AnyValue kind into a plain value', () => {
    expect(plainJsonValue({ stringValue: 's' })).toBe('s');
    expect(plainJsonValue({ boolValue: false })).toBe(false);
    expect(plainJsonValue({ intValue: '42' })).toBe(42);
    expect(plainJsonValue({ intValue: '9007199254740993' })).toBe('9007199254740993');
    expect(plainJsonValue({ doubleValue: 0.5 })).toBe(0.5);
    expect(plainJsonValue({ doubleValue: 'NaN' })).toBeNull();
    expect(plainJsonValue({ arrayValue: { values: [{ intValue: 1 }, { stringValue: 'x' }] } })).toEqual([1, 'x']);
    expect(plainJsonValue({ kvlistValue: { values: [{ key: 'k', value: { boolValue: true } }] } })).toEqual({ k: true });
    expect(plainJsonValue({ bytesValue: 'AAE=' })).toBe('AAE=');
    expect(plainJsonValue({})).toBeNull();
  });

  it('should keep resource attributes for every span of the resource', () => {
    const { spans } = decodeJson(body([{ name: 'a' }, { name: 'b' }], { attributes: [{ key: 'service.name', value: { stringValue: 'agent' } }] }));
    expect(spans.map((s) => s.resource)).toEqual([{ 'service.name': 'agent' }, { 'service.name': 'agent' }]);
  });

  it('should refuse a span of the wrong shape with the field that is wrong, and keep the others', () => {
    const { spans, rejected, errors } = decodeJson(body([{ name: 'ok' }, { name: 'bad', startTimeUnixNano: 'soon' }, 'not a span']));
    expect(spans).toHaveLength(1);
    expect(rejected).toBe(2);
    expect(errors[0]).toMatch(/startTimeUnixNano/);
  });

  it('should read proto field names (snake_case) everywhere, a lowerCamelCase name present too winning', () => {
    const text = JSON.stringify({
      resource_spans: [
        {
          resource: { attributes: [{ key: 'k', value: { kvlist_value: { values: [{ key: 'n', value: { int_value: '3' } }] } } }] },
          scope_spans: [{ scope: { name: 's' }, spans: [{ trace_id: 'AB'.repeat(16), traceId: 'cd'.repeat(16), span_id: '01'.repeat(8), name: 'a', start_time_unix_nano: '5' }] }],
        },
      ],
    });
    const { spans, warning } = decodeJson(text);
    expect(warning).toBeUndefined();
    expect(spans).toHaveLength(1);
    expect(spans[0]).toMatchObject({ traceId: 'cd'.repeat(16), spanId: '01'.repeat(8), startNs: 5n, resource: { k: { n: 3 } }, scope: { name: 's', version: null } });
  });

  it('should warn, not refuse, when a body holds nothing it recognises', () => {
    expect(decodeJson('{"resourceMetrics":[]}')).toMatchObject({ spans: [], rejected: 0, warning: expect.stringMatching(/No spans were found/) });
    expect(decodeJson('{}').warning).toBeUndefined();
  });

  it('should throw UndecodableBody for what is not an export request', () => {
    for (const text of ['', 'nul', '[]', '"x"', '{"resourceSpans":{}}', '{"resourceSpans":[{"scopeSpans":7}]}']) expect(() => decodeJson(text)).toThrow(UndecodableBody);
    expect(decodeJson('{}').spans).toEqual([]);
  });
});
