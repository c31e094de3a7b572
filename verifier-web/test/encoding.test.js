// verifier-web/src/encoding.js: the JSON reader and the decoders worded as Python's, with
// the expected texts printed by CPython 3.11 (json.loads, base64.b64decode(validate=True),
// repr) for the same inputs.

import assert from "node:assert/strict";
import { test } from "node:test";
import * as enc from "../src/encoding.js";

const bytes = (...parts) =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === "string" ? [...p].map((c) => c.charCodeAt(0)) : [p])));

const DECODE = [
  [bytes('{"a": "', 0xe3, 'A"}'), "'utf-8' codec can't decode byte 0xe3 in position 7: invalid continuation byte"],
  [bytes('{"a": "', 0xa6, '"}'), "'utf-8' codec can't decode byte 0xa6 in position 7: invalid start byte"],
  [bytes('{"a": "', 0xe3, 0x81, '"'), "'utf-8' codec can't decode bytes in position 7-8: invalid continuation byte"],
  [bytes('{"a": "', 0xe3, 0x81, 'A"}'), "'utf-8' codec can't decode bytes in position 7-8: invalid continuation byte"],
  [bytes('{"a": "', 0xf4, 0x90, 0x80, 0x80, '"}'), "'utf-8' codec can't decode byte 0xf4 in position 7: invalid continuation byte"],
  [bytes('{"a": "', 0xe3, 0x81), "'utf-8' codec can't decode bytes in position 7-8: unexpected end of data"],
];

test("bytes that are not UTF-8 fail as json.loads fails on them", () => {
  for (const [input, message] of DECODE) assert.throws(() => enc.decodeJsonBytes(input), { message });
});

test("a UTF-8 BOM is skipped and an encoded surrogate passes, as json.loads does", () => {
  assert.equal(enc.decodeJsonBytes(bytes(0xef, 0xbb, 0xbf, '{"a": 1}')), '{"a": 1}');
  assert.equal(enc.decodeJsonBytes(bytes('"', 0xed, 0xa0, 0x80, '"')), '"\ud800"');
  assert.equal(enc.decodeJsonBytes(enc.utf8Bytes('"北京时间 😀"')), '"北京时间 😀"');
});

const NOT_JSON = [
  ['{"a" 1}', "Expecting ':' delimiter: line 1 column 6 (char 5)"],
  ["[1,]", "Expecting value: line 1 column 4 (char 3)"],
  ['{"a": 1} x', "Extra data: line 1 column 10 (char 9)"],
  ["", "Expecting value: line 1 column 1 (char 0)"],
  ['{"a": "\u0001"}', "Invalid control character at: line 1 column 8 (char 7)"],
  ['{"a": tru}', "Expecting value: line 1 column 7 (char 6)"],
];

test("text that is not JSON fails with json.JSONDecodeError's message", () => {
  for (const [input, message] of NOT_JSON) assert.throws(() => enc.parseJson(input), { message });
});

test("the JSON reader keeps 1 and 1.0 apart, and integers beyond 2^53 exact", () => {
  const doc = enc.parseJson('{"i": 1, "f": 1.0, "e": 1e20, "big": 18446744073709551616, "s": "it\'s"}');
  assert.equal(doc.i, 1);
  assert.ok(doc.f instanceof enc.PyFloat);
  assert.equal(doc.big, 18446744073709551616n);
  // repr() of the same dict in Python
  assert.equal(enc.pyRepr(doc), "{'i': 1, 'f': 1.0, 'e': 1e+20, 'big': 18446744073709551616, 's': \"it's\"}");
  assert.throws(() => enc.integer(doc.f, "x"), { message: "x: expected an integer in [0, 2^64), got 1.0" });
  assert.throws(() => enc.integer(doc.big, "x"), {
    message: "x: expected an integer in [0, 2^64), got 18446744073709551616",
  });
});

const B64 = [
  ["ab!c", "Only base64 data is allowed"],
  ["ab=c", "Discontinuous padding not allowed"],
  ["abcde", "Invalid base64-encoded string: number of data characters (5) cannot be 1 more than a multiple of 4"],
  ["abc", "Incorrect padding"],
  ["abc=d", "Excess data after padding"],
  ["a===", "Invalid base64-encoded string: number of data characters (1) cannot be 1 more than a multiple of 4"],
];

test("base64 errors read as binascii's; a non-canonical encoding is refused", () => {
  for (const [input, why] of B64) assert.throws(() => enc.b64(input, "x"), { message: `x: not base64: ${why}` });
  assert.throws(() => enc.b64("YR==", "x"), { message: "x: not canonical base64" });
  assert.deepEqual(enc.b64("YQ==", "x"), Uint8Array.of(97));
});

test("timestamps: the §1 form only, a real UTC time, since 1970", () => {
  assert.equal(enc.timestamp("2026-11-26T09:00:05.123Z", "t"), Date.UTC(2026, 10, 26, 9, 0, 5, 123));
  assert.equal(enc.formatTime(Date.UTC(2026, 10, 26, 9, 0, 5, 123)), "2026-11-26T09:00:05.123Z");
  assert.throws(() => enc.timestamp("2026-02-29T00:00:00.000Z", "t"), {
    message: "t: not a valid UTC time: '2026-02-29T00:00:00.000Z'",
  });
  assert.throws(() => enc.timestamp("1969-12-31T23:59:59.999Z", "t"), {
    message: "t: '1969-12-31T23:59:59.999Z' is before 1970 (§1)",
  });
  assert.throws(() => enc.timestamp("2026-11-26T09:00:05Z", "t"), {
    message: "t: expected YYYY-MM-DDTHH:MM:SS.sssZ, got '2026-11-26T09:00:05Z'",
  });
});
