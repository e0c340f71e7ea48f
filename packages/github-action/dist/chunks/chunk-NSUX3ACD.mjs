import { createRequire as __gencoveCreateRequire } from 'node:module';
const require = __gencoveCreateRequire(import.meta.url);
import {
  dist_es_exports as dist_es_exports2,
  init_dist_es as init_dist_es2
} from "./chunk-LHBDB7WS.mjs";
import {
  require_client as require_client2,
  require_dist_cjs
} from "./chunk-4N7SP3KI.mjs";
import {
  dist_es_exports,
  init_dist_es,
  require_client,
  require_config,
  require_protocols,
  require_schema,
  require_serde,
  require_transport
} from "./chunk-O4S656BM.mjs";
import {
  __commonJS,
  __esm,
  __export,
  __toCommonJS
} from "./chunk-PGZVWKOG.mjs";

// node_modules/@smithy/core/dist-cjs/submodules/cbor/index.js
var require_cbor = __commonJS({
  "node_modules/@smithy/core/dist-cjs/submodules/cbor/index.js"(exports) {
    var { nv, NumericValue, calculateBodyLength, generateIdempotencyToken, fromBase64, _parseEpochTimestamp } = require_serde();
    var { hasOwn } = require_transport();
    var { HttpRequest, collectBody, SerdeContext, AbstractRpcV2Protocol } = require_protocols();
    var { NormalizedSchema, TypeRegistry } = require_schema();
    var majorUint64 = 0;
    var majorNegativeInt64 = 1;
    var majorUnstructuredByteString = 2;
    var majorUtf8String = 3;
    var majorList = 4;
    var majorMap = 5;
    var majorTag = 6;
    var majorSpecial = 7;
    var specialFalse = 20;
    var specialTrue = 21;
    var specialNull = 22;
    var specialUndefined = 23;
    var extendedOneByte = 24;
    var extendedFloat16 = 25;
    var extendedFloat32 = 26;
    var extendedFloat64 = 27;
    var minorIndefinite = 31;
    function alloc(size) {
      return typeof Buffer !== "undefined" ? Buffer.alloc(size) : new Uint8Array(size);
    }
    var tagSymbol = /* @__PURE__ */ Symbol("@smithy/core/cbor::tagSymbol");
    function tag(data2) {
      data2[tagSymbol] = true;
      return data2;
    }
    var USE_BUFFER$3 = typeof Buffer !== "undefined";
    var textDecoder$1 = new TextDecoder();
    var payload$1 = alloc(0);
    var isBuffer$1 = false;
    var dataView$2 = new DataView(payload$1.buffer, payload$1.byteOffset, payload$1.byteLength);
    var _offset = 0;
    function setPayload(bytes) {
      payload$1 = bytes;
      isBuffer$1 = USE_BUFFER$3 && payload$1 instanceof Buffer;
      dataView$2 = new DataView(payload$1.buffer, payload$1.byteOffset, payload$1.byteLength);
    }
    function decode(at, to) {
      if (at >= to) {
        throw new Error("unexpected end of (decode) payload.");
      }
      const major = (payload$1[at] & 224) >> 5;
      const minor = payload$1[at] & 31;
      if (minor === minorIndefinite && 2 <= major && major <= 5) {
        return decodeIndefinite(at, to);
      }
      switch (major) {
        case majorUint64:
        case majorNegativeInt64:
        case majorTag: {
          let unsignedInt;
          let offset;
          if (minor < 24) {
            unsignedInt = minor;
            offset = 1;
          } else {
            switch (minor) {
              case extendedOneByte:
                if (to - at < 2) {
                  overflow$1(1);
                }
                unsignedInt = payload$1[at + 1];
                offset = 2;
                break;
              case extendedFloat16:
                if (to - at < 3) {
                  overflow$1(2);
                }
                unsignedInt = dataView$2.getUint16(at + 1);
                offset = 3;
                break;
              case extendedFloat32:
                if (to - at < 5) {
                  overflow$1(4);
                }
                unsignedInt = dataView$2.getUint32(at + 1);
                offset = 5;
                break;
              case extendedFloat64:
                if (to - at < 9) {
                  overflow$1(8);
                }
                {
                  const hi = dataView$2.getUint32(at + 1);
                  if (hi < 2097152) {
                    unsignedInt = hi * 4294967296 + dataView$2.getUint32(at + 5);
                  } else {
                    unsignedInt = dataView$2.getBigUint64(at + 1);
                  }
                }
                offset = 9;
                break;
              default:
                unexpectedMinor(minor);
            }
          }
          if (major === majorUint64) {
            _offset = offset;
            return castBigInt$1(unsignedInt);
          } else if (major === majorNegativeInt64) {
            let negativeInt;
            if (typeof unsignedInt === "bigint") {
              negativeInt = BigInt(-1) - unsignedInt;
            } else {
              negativeInt = -1 - unsignedInt;
            }
            _offset = offset;
            return castBigInt$1(negativeInt);
          } else {
            return decodeTagValue(at, to, minor, unsignedInt, offset);
          }
        }
        case majorUtf8String:
          return decodeUtf8String(at, to);
        case majorMap:
          return decodeMap(at, to);
        case majorList:
          return decodeList(at, to);
        case majorUnstructuredByteString:
          return decodeUnstructuredByteString(at, to);
        default:
          return decodeSpecial(at, to);
      }
    }
    function decodeIndefinite(at, to) {
      const major = (payload$1[at] & 224) >> 5;
      const minor = payload$1[at] & 31;
      if (minor === minorIndefinite) {
        switch (major) {
          case majorUtf8String:
            return decodeUtf8StringIndefinite(at, to);
          case majorMap:
            return decodeMapIndefinite(at, to);
          case majorList:
            return decodeListIndefinite(at, to);
          case majorUnstructuredByteString:
            return decodeUnstructuredByteStringIndefinite(at, to);
        }
      }
    }
    function bytesToFloat16$1(a, b) {
      const sign = a >> 7;
      const exponent = (a & 124) >> 2;
      const fraction = (a & 3) << 8 | b;
      const scalar = sign === 0 ? 1 : -1;
      if (exponent === 0) {
        if (fraction === 0) {
          return 0;
        }
        return scalar * (Math.pow(2, 1 - 15) * (fraction / 1024));
      } else if (exponent === 31) {
        if (fraction === 0) {
          return scalar * Infinity;
        }
        return NaN;
      }
      return scalar * (Math.pow(2, exponent - 15) * (1 + fraction / 1024));
    }
    function decodeMap(at, to) {
      const mapDataLength = decodeCount$1(at, to);
      if (mapDataLength < 25) {
        return decodeMapSmall(at, to, mapDataLength);
      }
      return decodeMapLarge(at, to, mapDataLength);
    }
    function decodeMapLarge(at, to, mapDataLength) {
      const offset = _offset;
      at += offset;
      const base = at;
      const map = /* @__PURE__ */ Object.create(null);
      for (let i = 0; i < mapDataLength; ++i) {
        const key = decodeUtf8String(at, to);
        at += _offset;
        const valMajor = (payload$1[at] & 224) >> 5;
        if (valMajor === majorUtf8String) {
          map[key] = decodeUtf8String(at, to);
        } else {
          map[key] = decode(at, to);
        }
        at += _offset;
      }
      _offset = offset + (at - base);
      Object.setPrototypeOf(map, Object.prototype);
      return map;
    }
    function decodeMapSmall(at, to, mapDataLength) {
      const offset = _offset;
      at += offset;
      const base = at;
      const map = {};
      for (let i = 0; i < mapDataLength; ++i) {
        const key = decodeUtf8String(at, to);
        at += _offset;
        map[key] = decode(at, to);
        at += _offset;
      }
      _offset = offset + (at - base);
      return map;
    }
    function decodeList(at, to) {
      const listDataLength = decodeCount$1(at, to);
      const offset = _offset;
      at += offset;
      const base = at;
      const list = Array(listDataLength);
      for (let i = 0; i < listDataLength; ++i) {
        list[i] = decode(at, to);
        at += _offset;
      }
      _offset = offset + (at - base);
      return list;
    }
    function decodeUtf8String(at, to) {
      const length = decodeCount$1(at, to);
      const offset = _offset;
      at += offset;
      if (to - at < length) {
        overflow$1(length);
      }
      _offset = offset + length;
      if (length < 24) {
        return decodeUtf8StringCached(at, length);
      }
      if (isBuffer$1) {
        return payload$1.toString("utf-8", at, at + length);
      }
      return textDecoder$1.decode(payload$1.subarray(at, at + length));
    }
    var stringCache$1 = new Array(2048);
    var stringCacheEpochs$1 = new Uint16Array(2048);
    var cacheEpoch$1 = 0;
    function advanceDecodingEpoch() {
      cacheEpoch$1 = cacheEpoch$1 + 1 & 65535;
    }
    function decodeUtf8StringCached(at, length) {
      let h = length;
      for (let i = 0; i < length; ++i) {
        h = h * 31 + payload$1[at + i] | 0;
      }
      const slot = h >>> 0 & 2047;
      const cached = stringCache$1[slot];
      if (cached !== void 0) {
        if (cached.length === length) {
          let match = true;
          for (let i = 0; i < length; ++i) {
            if (cached.charCodeAt(i) !== payload$1[at + i]) {
              match = false;
              break;
            }
          }
          if (match) {
            stringCacheEpochs$1[slot] = cacheEpoch$1;
            return cached;
          }
        }
      }
      const result = isBuffer$1 ? payload$1.toString("utf-8", at, at + length) : textDecoder$1.decode(payload$1.subarray(at, at + length));
      if (stringCacheEpochs$1[slot] !== cacheEpoch$1) {
        stringCache$1[slot] = result;
        stringCacheEpochs$1[slot] = cacheEpoch$1;
      }
      return result;
    }
    function decodeUnstructuredByteString(at, to) {
      const length = decodeCount$1(at, to);
      const offset = _offset;
      at += offset;
      if (to - at < length) {
        overflow$1(length);
      }
      const value = payload$1.subarray(at, at + length);
      _offset = offset + length;
      return value;
    }
    function decodeTagValue(at, to, minor, unsignedInt, offset) {
      if (minor === 2 || minor === 3) {
        const length = decodeCount$1(at + offset, to);
        let b = BigInt(0);
        const start = at + offset + _offset;
        for (let i = start; i < start + length; ++i) {
          b = b << BigInt(8) | BigInt(payload$1[i]);
        }
        _offset = offset + _offset + length;
        return minor === 3 ? -b - BigInt(1) : b;
      } else if (minor === 4) {
        const decimalFraction = decode(at + offset, to);
        const [rawExponent, mantissa] = decimalFraction;
        const normalizer = mantissa < 0 ? -1 : 1;
        const absMantissa = BigInt(normalizer) * BigInt(mantissa);
        const mantissaDigits = String(absMantissa);
        const sign = mantissa < 0 ? "-" : "";
        let numericString;
        const isSmallExponent = typeof rawExponent === "number" && Math.abs(rawExponent) <= 2 ** 28;
        if (isSmallExponent) {
          const exponent = rawExponent;
          const mantissaStr = "0".repeat(Math.abs(exponent) + 1) + mantissaDigits;
          numericString = exponent === 0 ? mantissaStr : mantissaStr.slice(0, mantissaStr.length + exponent) + "." + mantissaStr.slice(exponent);
          numericString = numericString.replace(/^0+/g, "");
          if (numericString === "") {
            numericString = "0";
          }
          if (numericString[0] === ".") {
            numericString = "0" + numericString;
          }
          numericString = sign + numericString;
        } else {
          const bigExponent = BigInt(rawExponent);
          if (mantissaDigits.length === 1) {
            numericString = sign + mantissaDigits + "e" + String(bigExponent);
          } else {
            const adjustedExp = bigExponent + BigInt(mantissaDigits.length - 1);
            numericString = sign + mantissaDigits[0] + "." + mantissaDigits.slice(1) + "e" + String(adjustedExp);
          }
        }
        _offset = offset + _offset;
        return nv(numericString);
      } else {
        const value = decode(at + offset, to);
        const valueOffset = _offset;
        _offset = offset + valueOffset;
        return tag({ tag: castBigInt$1(unsignedInt), value });
      }
    }
    function decodeSpecial(at, to) {
      const minor = payload$1[at] & 31;
      switch (minor) {
        case specialTrue:
        case specialFalse:
          _offset = 1;
          return minor === specialTrue;
        case specialNull:
          _offset = 1;
          return null;
        case specialUndefined:
          _offset = 1;
          return null;
        case extendedFloat16:
          if (to - at < 3) {
            throw new Error("incomplete float16 at end of buf.");
          }
          _offset = 3;
          return bytesToFloat16$1(payload$1[at + 1], payload$1[at + 2]);
        case extendedFloat32:
          if (to - at < 5) {
            throw new Error("incomplete float32 at end of buf.");
          }
          _offset = 5;
          return dataView$2.getFloat32(at + 1);
        case extendedFloat64:
          if (to - at < 9) {
            throw new Error("incomplete float64 at end of buf.");
          }
          _offset = 9;
          return dataView$2.getFloat64(at + 1);
        default:
          unexpectedMinor(minor);
      }
    }
    function decodeCount$1(at, to) {
      const minor = payload$1[at] & 31;
      if (minor < 24) {
        _offset = 1;
        return minor;
      }
      switch (minor) {
        case extendedOneByte:
          if (to - at < 2) {
            overflow$1(1);
          }
          _offset = 2;
          return payload$1[at + 1];
        case extendedFloat16:
          if (to - at < 3) {
            overflow$1(2);
          }
          _offset = 3;
          return dataView$2.getUint16(at + 1);
        case extendedFloat32:
          if (to - at < 5) {
            overflow$1(4);
          }
          _offset = 5;
          return dataView$2.getUint32(at + 1);
        case extendedFloat64:
          if (to - at < 9) {
            overflow$1(8);
          }
          _offset = 9;
          return demote(dataView$2.getBigUint64(at + 1));
        default:
          unexpectedMinor(minor);
      }
    }
    function decodeMapIndefinite(at, to) {
      at += 1;
      const base = at;
      const map = {};
      for (; at < to; ) {
        if (payload$1[at] === 255) {
          _offset = at - base + 2;
          return map;
        }
        const key = decodeUtf8String(at, to);
        at += _offset;
        map[key] = decode(at, to);
        at += _offset;
      }
      throw new Error("expected break marker.");
    }
    function decodeListIndefinite(at, to) {
      at += 1;
      const list = [];
      for (const base = at; at < to; ) {
        if (payload$1[at] === 255) {
          _offset = at - base + 2;
          return list;
        }
        list.push(decode(at, to));
        at += _offset;
      }
      throw new Error("expected break marker.");
    }
    function decodeUtf8StringIndefinite(at, to) {
      at += 1;
      const vector = [];
      for (const base = at; at < to; ) {
        if (payload$1[at] === 255) {
          const data2 = alloc(vector.length);
          data2.set(vector, 0);
          _offset = at - base + 2;
          if (USE_BUFFER$3) {
            return data2.toString("utf-8", 0, data2.length);
          }
          return textDecoder$1.decode(data2);
        }
        const major = (payload$1[at] & 224) >> 5;
        const minor = payload$1[at] & 31;
        if (major !== majorUtf8String) {
          unexpectedMajorInIndefiniteString(major);
        }
        if (minor === minorIndefinite) {
          throw new Error("nested indefinite string.");
        }
        const bytes = decodeUnstructuredByteString(at, to);
        const length = _offset;
        at += length;
        for (let i = 0; i < bytes.length; ++i) {
          vector.push(bytes[i]);
        }
      }
      throw new Error("expected break marker.");
    }
    function decodeUnstructuredByteStringIndefinite(at, to) {
      at += 1;
      const vector = [];
      for (const base = at; at < to; ) {
        if (payload$1[at] === 255) {
          const data2 = alloc(vector.length);
          data2.set(vector, 0);
          _offset = at - base + 2;
          return data2;
        }
        const major = (payload$1[at] & 224) >> 5;
        const minor = payload$1[at] & 31;
        if (major !== majorUnstructuredByteString) {
          unexpectedMajorInIndefiniteString(major);
        }
        if (minor === minorIndefinite) {
          throw new Error("nested indefinite string.");
        }
        const bytes = decodeUnstructuredByteString(at, to);
        const length = _offset;
        at += length;
        for (let i = 0; i < bytes.length; ++i) {
          vector.push(bytes[i]);
        }
      }
      throw new Error("expected break marker.");
    }
    function castBigInt$1(bigInt) {
      if (typeof bigInt === "number") {
        return bigInt;
      }
      const num = Number(bigInt);
      if (Number.MIN_SAFE_INTEGER <= num && num <= Number.MAX_SAFE_INTEGER) {
        return num;
      }
      return bigInt;
    }
    function demote(bigInteger) {
      const num = Number(bigInteger);
      if (num < Number.MIN_SAFE_INTEGER || Number.MAX_SAFE_INTEGER < num) {
        console.warn(new Error(`@smithy/core/cbor - truncating BigInt(${bigInteger}) to ${num} with loss of precision.`));
      }
      return num;
    }
    function overflow$1(n) {
      throw new Error(`length ${n} greater than remaining buf len.`);
    }
    function unexpectedMinor(minor) {
      throw new Error(`unexpected minor value ${minor}.`);
    }
    function unexpectedMajorInIndefiniteString(major) {
      throw new Error(`unexpected major type ${major} in indefinite string.`);
    }
    var USE_BUFFER$2 = typeof Buffer !== "undefined";
    var encodeStringCache = /* @__PURE__ */ new Map();
    var encodeCacheEpoch$1 = 0;
    var encodeCacheSaturated$1 = false;
    var initialSize = 2048;
    var data = alloc(initialSize);
    var dataView$1 = new DataView(data.buffer, data.byteOffset, data.byteLength);
    var cursor$1 = 0;
    function encode(_input) {
      const encodeStack = [_input];
      while (encodeStack.length) {
        const input = encodeStack.pop();
        if (typeof input === "string") {
          const len = input.length;
          if (USE_BUFFER$2) {
            ensureSpace(len * 3 + 9);
            if (len > 23) {
              encodeHeader$1(majorUtf8String, Buffer.byteLength(input));
              cursor$1 += data.write(input, cursor$1);
            } else {
              encodeStringCached(input);
            }
          } else {
            const maxBytes = len * 3;
            ensureSpace(maxBytes + 9);
            const headerPos = cursor$1;
            const result = new TextEncoder().encodeInto(input, data.subarray(cursor$1 + 9));
            const byteLen = result.written;
            let headerSize;
            if (byteLen < 24) {
              headerSize = 1;
            } else if (byteLen < 256) {
              headerSize = 2;
            } else if (byteLen < 65536) {
              headerSize = 3;
            } else if (byteLen < 4294967296) {
              headerSize = 5;
            } else {
              headerSize = 9;
            }
            if (headerSize < 9) {
              data.copyWithin(headerPos + headerSize, headerPos + 9, headerPos + 9 + byteLen);
            }
            cursor$1 = headerPos;
            encodeInteger(majorUtf8String, byteLen);
            cursor$1 += byteLen;
          }
          continue;
        }
        if (data.byteLength - cursor$1 < 9) {
          ensureSpace(64);
        }
        if (typeof input === "number") {
          if (Number.isInteger(input) && input >= -9007199254740992 && input <= 9007199254740991) {
            const nonNegative = input >= 0;
            const major = nonNegative ? majorUint64 : majorNegativeInt64;
            const value = nonNegative ? input : -input - 1;
            if (value < 24) {
              data[cursor$1++] = major << 5 | value;
            } else if (value < 256) {
              data[cursor$1++] = major << 5 | 24;
              data[cursor$1++] = value;
            } else if (value < 65536) {
              data[cursor$1++] = major << 5 | extendedFloat16;
              data[cursor$1++] = value >> 8;
              data[cursor$1++] = value & 255;
            } else if (value < 4294967296) {
              data[cursor$1++] = major << 5 | extendedFloat32;
              dataView$1.setUint32(cursor$1, value);
              cursor$1 += 4;
            } else {
              data[cursor$1++] = major << 5 | extendedFloat64;
              const hi = value / 4294967296 | 0;
              const lo = value - hi * 4294967296 | 0;
              dataView$1.setUint32(cursor$1, hi);
              dataView$1.setUint32(cursor$1 + 4, lo);
              cursor$1 += 8;
            }
            continue;
          }
          data[cursor$1++] = majorSpecial << 5 | extendedFloat64;
          dataView$1.setFloat64(cursor$1, input);
          cursor$1 += 8;
          continue;
        } else if (typeof input === "bigint") {
          const nonNegative = input >= 0;
          const major = nonNegative ? majorUint64 : majorNegativeInt64;
          const value = nonNegative ? input : -input - BigInt(1);
          if (value < BigInt("18446744073709551616")) {
            const n = Number(value);
            if (n < 4294967296) {
              encodeInteger(major, n);
            } else {
              data[cursor$1++] = major << 5 | extendedFloat64;
              dataView$1.setBigUint64(cursor$1, value);
              cursor$1 += 8;
            }
          } else {
            const binaryBigInt = value.toString(2);
            const bigIntBytes = new Uint8Array(Math.ceil(binaryBigInt.length / 8));
            let b = value;
            let i = 0;
            while (bigIntBytes.byteLength - ++i >= 0) {
              bigIntBytes[bigIntBytes.byteLength - i] = Number(b & BigInt(255));
              b >>= BigInt(8);
            }
            ensureSpace(bigIntBytes.byteLength * 2 + 16);
            data[cursor$1++] = nonNegative ? 194 : 195;
            encodeHeader$1(majorUnstructuredByteString, bigIntBytes.byteLength);
            data.set(bigIntBytes, cursor$1);
            cursor$1 += bigIntBytes.byteLength;
          }
          continue;
        } else if (input === null) {
          data[cursor$1++] = majorSpecial << 5 | specialNull;
          continue;
        } else if (typeof input === "boolean") {
          data[cursor$1++] = majorSpecial << 5 | (input ? specialTrue : specialFalse);
          continue;
        } else if (typeof input === "undefined") {
          throw new Error("@smithy/core/cbor: client may not serialize undefined value.");
        } else if (Array.isArray(input)) {
          encodeInteger(majorList, input.length);
          ensureSpace(input.length * 9 + 64);
          for (let i = input.length - 1; i >= 0; --i) {
            encodeStack.push(input[i]);
          }
          continue;
        } else if (typeof input.byteLength === "number") {
          ensureSpace(input.length * 2 + 9);
          encodeInteger(majorUnstructuredByteString, input.length);
          data.set(input, cursor$1);
          cursor$1 += input.byteLength;
          continue;
        } else if (typeof input === "object") {
          if (input instanceof NumericValue) {
            let str = input.string;
            let expOffset = BigInt(0);
            const eIndex = str.search(/[eE]/);
            if (eIndex !== -1) {
              expOffset = BigInt(str.slice(eIndex + 1));
              str = str.slice(0, eIndex);
            }
            const decimalIndex = str.indexOf(".");
            const fractionDigits = decimalIndex === -1 ? 0 : str.length - decimalIndex - 1;
            const exponent = expOffset - BigInt(fractionDigits);
            const mantissa = BigInt(str.replace(".", ""));
            data[cursor$1++] = 196;
            encodeInteger(majorList, 2);
            encodeStack.push(mantissa);
            encodeStack.push(exponent >= -0x20000000000000n && exponent <= 0x1fffffffffffffn ? Number(exponent) : exponent);
            continue;
          }
          if (input[tagSymbol]) {
            if ("tag" in input && "value" in input) {
              encodeStack.push(input.value);
              encodeHeader$1(majorTag, input.tag);
              continue;
            } else {
              throw new Error("tag encountered with missing fields, need 'tag' and 'value', found: " + JSON.stringify(input));
            }
          }
          const keys = Object.keys(input);
          const len = keys.length;
          encodeInteger(majorMap, len);
          for (let i = len - 1; i >= 0; --i) {
            encodeStack.push(input[keys[i]]);
            encodeStack.push(keys[i]);
          }
          continue;
        }
        throw new Error(`data type ${input?.constructor?.name ?? typeof input} not compatible for encoding.`);
      }
    }
    function advanceEncodingEpoch() {
      encodeCacheEpoch$1 = encodeCacheEpoch$1 + 1 & 65535;
      encodeCacheSaturated$1 = false;
    }
    function toUint8Array() {
      const out = alloc(cursor$1);
      out.set(data.subarray(0, cursor$1), 0);
      cursor$1 = 0;
      return out;
    }
    function resize(size) {
      const old = data;
      data = alloc(size);
      if (old) {
        if (old.copy) {
          old.copy(data, 0, 0, old.byteLength);
        } else {
          data.set(old, 0);
        }
      }
      dataView$1 = new DataView(data.buffer, data.byteOffset, data.byteLength);
    }
    function encodeStringCached(input) {
      const cached = encodeStringCache.get(input);
      if (cached !== void 0) {
        data.set(cached.bytes, cursor$1);
        cursor$1 += cached.bytes.length;
        cached.epoch = encodeCacheEpoch$1;
        return;
      }
      const start = cursor$1;
      const byteLen = Buffer.byteLength(input);
      encodeInteger(majorUtf8String, byteLen);
      cursor$1 += data.write(input, cursor$1);
      const bytes = Uint8Array.prototype.slice.call(data, start, cursor$1);
      if (encodeStringCache.size >= 2048) {
        if (encodeCacheSaturated$1) {
          return;
        }
        let evicted = 0;
        for (const [key, entry] of encodeStringCache) {
          if (evicted >= 1024) {
            break;
          }
          if (entry.epoch !== encodeCacheEpoch$1) {
            encodeStringCache.delete(key);
            evicted++;
          }
        }
        if (evicted === 0) {
          encodeCacheSaturated$1 = true;
          return;
        }
      }
      if (encodeStringCache.size < 2048) {
        encodeStringCache.set(input, { epoch: encodeCacheEpoch$1, bytes });
      }
    }
    function ensureSpace(bytes) {
      const remaining = data.byteLength - cursor$1;
      if (remaining < bytes) {
        if (cursor$1 < 16e6) {
          resize(Math.max(data.byteLength * 4, data.byteLength + bytes));
        } else {
          resize(data.byteLength + bytes + 16e6);
        }
      }
    }
    function encodeHeader$1(major, value) {
      if (value < 24) {
        data[cursor$1++] = major << 5 | value;
      } else if (value < 256) {
        data[cursor$1++] = major << 5 | 24;
        data[cursor$1++] = value;
      } else if (value < 65536) {
        data[cursor$1++] = major << 5 | extendedFloat16;
        dataView$1.setUint16(cursor$1, value);
        cursor$1 += 2;
      } else if (value < 4294967296) {
        data[cursor$1++] = major << 5 | extendedFloat32;
        dataView$1.setUint32(cursor$1, value);
        cursor$1 += 4;
      } else {
        data[cursor$1++] = major << 5 | extendedFloat64;
        dataView$1.setBigUint64(cursor$1, typeof value === "bigint" ? value : BigInt(value));
        cursor$1 += 8;
      }
    }
    function encodeInteger(major, value) {
      if (value < 24) {
        data[cursor$1++] = major << 5 | value;
      } else if (value < 256) {
        data[cursor$1++] = major << 5 | 24;
        data[cursor$1++] = value;
      } else if (value < 65536) {
        data[cursor$1++] = major << 5 | extendedFloat16;
        data[cursor$1++] = value >> 8;
        data[cursor$1++] = value & 255;
      } else if (value < 4294967296) {
        data[cursor$1++] = major << 5 | extendedFloat32;
        dataView$1.setUint32(cursor$1, value);
        cursor$1 += 4;
      } else {
        data[cursor$1++] = major << 5 | extendedFloat64;
        const hi = value / 4294967296 | 0;
        const lo = value - hi * 4294967296 | 0;
        dataView$1.setUint32(cursor$1, hi);
        dataView$1.setUint32(cursor$1 + 4, lo);
        cursor$1 += 8;
      }
    }
    var cbor = {
      deserialize(payload2) {
        advanceDecodingEpoch();
        setPayload(payload2);
        return decode(0, payload2.length);
      },
      serialize(input) {
        advanceEncodingEpoch();
        try {
          encode(input);
          return toUint8Array();
        } catch (e) {
          toUint8Array();
          throw e;
        }
      },
      resizeEncodingBuffer(size) {
        resize(size);
      }
    };
    var parseCborBody = (streamBody, context) => {
      return collectBody(streamBody, context).then(async (bytes) => {
        if (bytes.length) {
          try {
            return cbor.deserialize(bytes);
          } catch (e) {
            Object.defineProperty(e, "$responseBodyText", {
              value: context.utf8Encoder(bytes)
            });
            throw e;
          }
        }
        return {};
      });
    };
    var dateToTag = (date) => {
      return tag({
        tag: 1,
        value: date.getTime() / 1e3
      });
    };
    var parseCborErrorBody = async (errorBody, context) => {
      const value = await parseCborBody(errorBody, context);
      value.message = value.message ?? value.Message;
      return value;
    };
    var loadSmithyRpcV2CborErrorCode = (output, data2) => {
      const sanitizeErrorCode = (rawValue) => {
        let cleanValue = rawValue;
        if (typeof cleanValue === "number") {
          cleanValue = cleanValue.toString();
        }
        if (cleanValue.indexOf(",") >= 0) {
          cleanValue = cleanValue.split(",")[0];
        }
        if (cleanValue.indexOf(":") >= 0) {
          cleanValue = cleanValue.split(":")[0];
        }
        return cleanValue;
      };
      if (data2["__type"] !== void 0) {
        return sanitizeErrorCode(data2["__type"]);
      }
    };
    var checkCborResponse = (response) => {
      if (String(response.headers["smithy-protocol"]).toLowerCase() !== "rpc-v2-cbor") {
        throw new Error("Malformed RPCv2 CBOR response, status: " + response.statusCode);
      }
    };
    var buildHttpRpcRequest = async (context, headers, path, resolvedHostname, body) => {
      const endpoint = await context.endpoint();
      const { hostname, protocol = "https", port, path: basePath } = endpoint;
      const contents = {
        protocol,
        hostname,
        port,
        method: "POST",
        path: basePath.endsWith("/") ? basePath.slice(0, -1) + path : basePath + path,
        headers: {
          ...headers
        }
      };
      if (resolvedHostname !== void 0) {
        contents.hostname = resolvedHostname;
      }
      if (endpoint.headers) {
        for (const name in endpoint.headers) {
          if (!hasOwn(endpoint.headers, name)) {
            continue;
          }
          contents.headers[name] = endpoint.headers[name];
        }
      }
      if (body !== void 0) {
        contents.body = body;
        try {
          contents.headers["content-length"] = String(calculateBodyLength(body));
        } catch (ignored) {
        }
      }
      return new HttpRequest(contents);
    };
    var CborShapeSerializer2 = class extends SerdeContext {
      write(schema, value) {
        cursor = 0;
        const ns = NormalizedSchema.of(schema);
        writeValue(ns, value, void 0, this.serdeContext);
      }
      flush() {
        const result = buf.subarray(0, cursor);
        cursor = 0;
        buf = allocUnsafe(INITIAL_BUFFER_SIZE);
        view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
        return result;
      }
    };
    var CBOR_STRUCT_CACHE = /* @__PURE__ */ Symbol.for("@smithy/cbor-struct-cache");
    function loadCborStructIterator(ns) {
      const schema = ns.getSchema();
      const existing = schema[CBOR_STRUCT_CACHE];
      if (existing) {
        return existing;
      }
      const memberNames = [];
      const memberSchemas = [];
      for (const [name, memberSchema] of ns.structIterator()) {
        memberNames.push(name);
        memberSchemas.push(memberSchema);
      }
      const encodedKeys = new Array(memberNames.length);
      for (let i = 0; i < memberNames.length; ++i) {
        encodedKeys[i] = encodeCborStringKey(memberNames[i]);
      }
      const cache = { memberNames, memberSchemas, encodedKeys };
      schema[CBOR_STRUCT_CACHE] = cache;
      return cache;
    }
    function encodeCborStringKey(s) {
      let utf8Bytes;
      if (USE_BUFFER$1) {
        utf8Bytes = Buffer.from(s, "utf-8");
      } else {
        utf8Bytes = new TextEncoder().encode(s);
      }
      const byteLen = utf8Bytes.length;
      let headerSize;
      if (byteLen < 24) {
        headerSize = 1;
      } else if (byteLen < 256) {
        headerSize = 2;
      } else {
        headerSize = 3;
      }
      const result = new Uint8Array(headerSize + byteLen);
      if (headerSize === 1) {
        result[0] = majorUtf8String << 5 | byteLen;
      } else if (headerSize === 2) {
        result[0] = majorUtf8String << 5 | 24;
        result[1] = byteLen;
      } else {
        result[0] = majorUtf8String << 5 | extendedFloat16;
        result[1] = byteLen >> 8;
        result[2] = byteLen & 255;
      }
      result.set(utf8Bytes, headerSize);
      return result;
    }
    var USE_BUFFER$1 = typeof Buffer !== "undefined";
    var textEncoder = new TextEncoder();
    var INITIAL_BUFFER_SIZE = 2048;
    var buf = USE_BUFFER$1 ? Buffer.allocUnsafe(INITIAL_BUFFER_SIZE) : new Uint8Array(INITIAL_BUFFER_SIZE);
    var view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    var cursor = 0;
    var STRING_CACHE_MAX = 2048;
    var stringEncodeCache = /* @__PURE__ */ new Map();
    var encodeCacheEpoch = 0;
    var encodeCacheSaturated = false;
    function allocUnsafe(size) {
      return USE_BUFFER$1 ? Buffer.allocUnsafe(size) : new Uint8Array(size);
    }
    function writeValue(ns, value, container, serdeContext) {
      if (value == null) {
        if (value === void 0 && ns.isIdempotencyToken()) {
          writeString(generateIdempotencyToken());
          return;
        }
        ensure(1);
        buf[cursor++] = majorSpecial << 5 | specialNull;
        return;
      }
      if (ns.isUnitSchema()) {
        ensure(1);
        encodeHeader(majorMap, 0);
        return;
      }
      const isObject = typeof value === "object";
      if (isObject) {
        if (ns.isBlobSchema()) {
          if (value instanceof Uint8Array) {
            writeBytes(value);
            return;
          }
        }
        if (ns.isTimestampSchema()) {
          if (value instanceof Date) {
            writeTimestamp(value);
            return;
          }
        }
        if (ns.isStructSchema()) {
          writeStruct(ns, value, serdeContext);
          return;
        }
        if (Array.isArray(value) && (ns.isListSchema() || ns.isDocumentSchema())) {
          writeList(ns, value, ns.isDocumentSchema(), serdeContext);
          return;
        }
        if (ns.isMapSchema()) {
          writeMap(ns, value, false, serdeContext);
          return;
        }
        if (value instanceof Date) {
          writeTimestamp(value);
          return;
        }
        if (value instanceof Uint8Array) {
          writeBytes(value);
          return;
        }
        if (value instanceof NumericValue) {
          writeNumericValue(value);
          return;
        }
        if (value[tagSymbol]) {
          const tagged = value;
          writeTag(tagged.tag, tagged.value);
          return;
        }
        if (ns.isDocumentSchema()) {
          if (Array.isArray(value)) {
            writeList(ns, value, true, serdeContext);
          } else {
            writeMap(ns, value, true, serdeContext);
          }
          return;
        }
        if (ns.isBigDecimalSchema()) {
          writeUntypedValue(value);
          return;
        }
        writeMap(ns, value, true, serdeContext);
        return;
      }
      if (typeof value === "string") {
        if (ns.isBlobSchema()) {
          const bytes = (serdeContext?.base64Decoder ?? fromBase64)(value);
          writeBytes(bytes);
          return;
        }
        writeString(value);
        return;
      }
      if (typeof value === "number") {
        ensure(9);
        if (Number.isInteger(value) && value >= -9007199254740992 && value <= 9007199254740991) {
          writeInteger(value);
        } else {
          writeFloat64(value);
        }
        return;
      }
      if (typeof value === "boolean") {
        ensure(1);
        buf[cursor++] = majorSpecial << 5 | (value ? specialTrue : specialFalse);
        return;
      }
      if (typeof value === "bigint") {
        writeBigInt(value);
        return;
      }
      writeString(String(value));
    }
    function writeStruct(ns, value, serdeContext) {
      if (ns.isUnionSchema()) {
        let wrote = false;
        for (const [memberName, memberSchema] of ns.structIterator()) {
          const item = value[memberName];
          if (item != null) {
            ensure(9);
            encodeHeader(majorMap, 1);
            writeString(memberName);
            writeValue(memberSchema, item, ns, serdeContext);
            wrote = true;
            break;
          }
        }
        if (!wrote) {
          const { $unknown } = value;
          if (Array.isArray($unknown)) {
            ensure(9);
            encodeHeader(majorMap, 1);
            writeString($unknown[0]);
            writeUntypedValue($unknown[1]);
          } else {
            ensure(9);
            encodeHeader(majorMap, 0);
          }
        }
        return;
      }
      const cache = loadCborStructIterator(ns);
      const { memberNames, memberSchemas, encodedKeys } = cache;
      const z = memberNames.length;
      let headerSize;
      if (z < 24) {
        headerSize = 1;
      } else if (z < 256) {
        headerSize = 2;
      } else {
        headerSize = 3;
      }
      ensure(headerSize);
      const headerPos = cursor;
      cursor += headerSize;
      let count = 0;
      for (let i = 0; i < z; ++i) {
        const item = value[memberNames[i]];
        if (item == null && !memberSchemas[i].isIdempotencyToken()) {
          continue;
        }
        const key = encodedKeys[i];
        ensure(key.length);
        buf.set(key, cursor);
        cursor += key.length;
        writeValue(memberSchemas[i], item, ns, serdeContext);
        ++count;
      }
      if (typeof value.__type === "string") {
        for (const k in value) {
          if (!hasOwn(value, k)) {
            continue;
          }
          if (!memberNames.includes(k)) {
            writeString(k);
            writeUntypedValue(value[k]);
            ++count;
          }
        }
      }
      if (headerSize === 1) {
        buf[headerPos] = majorMap << 5 | count;
      } else if (headerSize === 2) {
        buf[headerPos] = majorMap << 5 | 24;
        buf[headerPos + 1] = count;
      } else {
        buf[headerPos] = majorMap << 5 | extendedFloat16;
        buf[headerPos + 1] = count >> 8;
        buf[headerPos + 2] = count & 255;
      }
    }
    function writeList(ns, value, isDocument, serdeContext) {
      const sparse = !!ns.getMergedTraits().sparse;
      const valueSchema = ns.getValueSchema();
      if (isDocument || sparse) {
        const items = [];
        for (let i = 0; i < value.length; ++i) {
          const item = value[i];
          if (isDocument) {
            if (item !== void 0) {
              items.push(item);
            }
          } else {
            if (item != null || sparse) {
              items.push(item);
            }
          }
        }
        ensure(9);
        encodeHeader(majorList, items.length);
        for (let i = 0; i < items.length; ++i) {
          writeValue(valueSchema, items[i], void 0, serdeContext);
        }
      } else {
        let count = 0;
        for (let i = 0; i < value.length; ++i) {
          if (value[i] != null) {
            ++count;
          }
        }
        ensure(9);
        encodeHeader(majorList, count);
        for (let i = 0; i < value.length; ++i) {
          if (value[i] != null) {
            writeValue(valueSchema, value[i], void 0, serdeContext);
          }
        }
      }
    }
    function writeMap(ns, value, isDocument, serdeContext) {
      const sparse = !!ns.getMergedTraits().sparse;
      const valueSchema = ns.getValueSchema();
      const keys = [];
      for (const k in value) {
        if (!hasOwn(value, k)) {
          continue;
        }
        const v = value[k];
        if (isDocument ? v !== void 0 : v != null || sparse) {
          keys.push(k);
        }
      }
      ensure(9);
      encodeHeader(majorMap, keys.length);
      for (let i = 0; i < keys.length; ++i) {
        const k = keys[i];
        writeString(k);
        writeValue(valueSchema, value[k], void 0, serdeContext);
      }
    }
    function writeUntypedValue(value) {
      if (value == null) {
        ensure(1);
        buf[cursor++] = majorSpecial << 5 | specialNull;
        return;
      }
      if (typeof value === "string") {
        writeString(value);
        return;
      }
      if (typeof value === "number") {
        ensure(9);
        if (Number.isInteger(value) && value >= -9007199254740992 && value <= 9007199254740991) {
          writeInteger(value);
        } else {
          writeFloat64(value);
        }
        return;
      }
      if (typeof value === "boolean") {
        ensure(1);
        buf[cursor++] = majorSpecial << 5 | (value ? specialTrue : specialFalse);
        return;
      }
      if (typeof value === "bigint") {
        writeBigInt(value);
        return;
      }
      if (value instanceof Uint8Array) {
        writeBytes(value);
        return;
      }
      if (value instanceof Date) {
        writeTimestamp(value);
        return;
      }
      if (value instanceof NumericValue) {
        writeNumericValue(value);
        return;
      }
      if (value[tagSymbol]) {
        const tagged = value;
        writeTag(tagged.tag, tagged.value);
        return;
      }
      if (Array.isArray(value)) {
        ensure(9);
        encodeHeader(majorList, value.length);
        for (let i = 0; i < value.length; ++i) {
          writeUntypedValue(value[i]);
        }
        return;
      }
      if (typeof value === "object") {
        const keys = Object.keys(value);
        ensure(9);
        encodeHeader(majorMap, keys.length);
        for (let i = 0; i < keys.length; ++i) {
          writeString(keys[i]);
          writeUntypedValue(value[keys[i]]);
        }
        return;
      }
      writeString(String(value));
    }
    function ensure(n) {
      if (cursor + n > buf.length) {
        let newSize = buf.length * 2;
        while (newSize < cursor + n) {
          newSize *= 2;
        }
        const next = allocUnsafe(newSize);
        next.set(buf.subarray(0, cursor));
        buf = next;
        view = new DataView(next.buffer, next.byteOffset, next.byteLength);
      }
    }
    function encodeHeader(major, value) {
      if (value < 24) {
        buf[cursor++] = major << 5 | value;
      } else if (value < 256) {
        buf[cursor++] = major << 5 | 24;
        buf[cursor++] = value;
      } else if (value < 65536) {
        buf[cursor++] = major << 5 | extendedFloat16;
        buf[cursor++] = value >> 8;
        buf[cursor++] = value & 255;
      } else if (value < 4294967296) {
        buf[cursor++] = major << 5 | extendedFloat32;
        view.setUint32(cursor, value);
        cursor += 4;
      } else {
        buf[cursor++] = major << 5 | extendedFloat64;
        const hi = value / 4294967296 | 0;
        const lo = value - hi * 4294967296 | 0;
        view.setUint32(cursor, hi);
        view.setUint32(cursor + 4, lo);
        cursor += 8;
      }
    }
    function encodeBigHeader(major, value) {
      const n = Number(value);
      if (n < 4294967296) {
        encodeHeader(major, n);
        return;
      }
      buf[cursor++] = major << 5 | extendedFloat64;
      view.setBigUint64(cursor, value);
      cursor += 8;
    }
    function writeString(s) {
      const len = s.length;
      if (len <= 23) {
        const cached = stringEncodeCache.get(s);
        if (cached) {
          ensure(cached.bytes.length);
          buf.set(cached.bytes, cursor);
          cursor += cached.bytes.length;
          cached.epoch = encodeCacheEpoch;
          return;
        }
        const start = cursor;
        writeStringUncached(s, len);
        const end2 = cursor;
        const bytes = Uint8Array.prototype.slice.call(buf, start, end2);
        if (stringEncodeCache.size >= STRING_CACHE_MAX) {
          if (encodeCacheSaturated) {
            return;
          }
          let evicted = 0;
          for (const [key, entry] of stringEncodeCache) {
            if (evicted >= 1024) {
              break;
            }
            if (entry.epoch !== encodeCacheEpoch) {
              stringEncodeCache.delete(key);
              ++evicted;
            }
          }
          if (evicted === 0) {
            encodeCacheSaturated = true;
            return;
          }
        }
        if (stringEncodeCache.size < STRING_CACHE_MAX) {
          stringEncodeCache.set(s, { epoch: encodeCacheEpoch, bytes });
        }
        return;
      }
      writeStringUncached(s, len);
    }
    function writeStringUncached(s, len) {
      if (USE_BUFFER$1) {
        const maxBytes = len * 3;
        ensure(maxBytes + 9);
        const byteLen = Buffer.byteLength(s);
        encodeHeader(majorUtf8String, byteLen);
        cursor += buf.write(s, cursor);
      } else {
        const maxBytes = len * 3;
        ensure(maxBytes + 9);
        const headerPos = cursor;
        const result = textEncoder.encodeInto(s, buf.subarray(headerPos + 9));
        const byteLen = result.written;
        let headerSize;
        if (byteLen < 24) {
          headerSize = 1;
        } else if (byteLen < 256) {
          headerSize = 2;
        } else if (byteLen < 65536) {
          headerSize = 3;
        } else if (byteLen < 4294967296) {
          headerSize = 5;
        } else {
          headerSize = 9;
        }
        if (headerSize < 9) {
          buf.copyWithin(headerPos + headerSize, headerPos + 9, headerPos + 9 + byteLen);
        }
        cursor = headerPos;
        encodeHeader(majorUtf8String, byteLen);
        cursor += byteLen;
      }
    }
    function writeFloat64(value) {
      ensure(9);
      buf[cursor++] = majorSpecial << 5 | extendedFloat64;
      view.setFloat64(cursor, value);
      cursor += 8;
    }
    function writeInteger(value) {
      ensure(9);
      const nonNegative = value >= 0;
      const major = nonNegative ? majorUint64 : majorNegativeInt64;
      const abs = nonNegative ? value : -value - 1;
      encodeHeader(major, abs);
    }
    function writeBigInt(value) {
      const nonNegative = value >= 0;
      const major = nonNegative ? majorUint64 : majorNegativeInt64;
      const abs = nonNegative ? value : -value - BigInt(1);
      if (abs < BigInt("18446744073709551616")) {
        ensure(9);
        encodeBigHeader(major, abs);
      } else {
        const binaryStr = abs.toString(2);
        const byteLen = Math.ceil(binaryStr.length / 8);
        const bigIntBytes = new Uint8Array(byteLen);
        let b = abs;
        for (let i = byteLen - 1; i >= 0; --i) {
          bigIntBytes[i] = Number(b & BigInt(255));
          b >>= BigInt(8);
        }
        ensure(byteLen + 16);
        buf[cursor++] = nonNegative ? 194 : 195;
        encodeHeader(majorUnstructuredByteString, byteLen);
        buf.set(bigIntBytes, cursor);
        cursor += byteLen;
      }
    }
    function writeBytes(data2) {
      ensure(data2.length + 9);
      encodeHeader(majorUnstructuredByteString, data2.length);
      buf.set(data2, cursor);
      cursor += data2.length;
    }
    function writeTag(tagValue, innerValue) {
      ensure(9);
      if (typeof tagValue === "bigint") {
        encodeBigHeader(majorTag, tagValue);
      } else {
        encodeHeader(majorTag, tagValue);
      }
      writeUntypedValue(innerValue);
    }
    function writeNumericValue(nv2) {
      let str = nv2.string;
      let expOffset = BigInt(0);
      const eIndex = str.search(/[eE]/);
      if (eIndex !== -1) {
        expOffset = BigInt(str.slice(eIndex + 1));
        str = str.slice(0, eIndex);
      }
      const decimalIndex = str.indexOf(".");
      const fractionDigits = decimalIndex === -1 ? 0 : str.length - decimalIndex - 1;
      const exponent = expOffset - BigInt(fractionDigits);
      const mantissa = BigInt(str.replace(".", ""));
      ensure(9);
      buf[cursor++] = 196;
      encodeHeader(majorList, 2);
      ensure(9);
      if (exponent >= -0x20000000000000n && exponent <= 0x1fffffffffffffn) {
        writeInteger(Number(exponent));
      } else {
        writeBigInt(exponent);
      }
      writeBigInt(mantissa);
    }
    function writeTimestamp(date) {
      ensure(18);
      encodeHeader(majorTag, 1);
      const epochSecs = date.getTime() / 1e3;
      if (Number.isInteger(epochSecs)) {
        writeInteger(epochSecs);
      } else {
        writeFloat64(epochSecs);
      }
    }
    var CborShapeDeserializer2 = class extends SerdeContext {
      read(schema, bytes) {
        payload = bytes;
        isBuffer = USE_BUFFER && bytes instanceof Buffer;
        dataView = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        pos = 0;
        end = bytes.length;
        cacheEpoch = cacheEpoch + 1 & 65535;
        return readValue(NormalizedSchema.of(schema));
      }
      readValue(_schema, value) {
        return transformObject(NormalizedSchema.of(_schema), value);
      }
    };
    var USE_BUFFER = typeof Buffer !== "undefined";
    var textDecoder = new TextDecoder();
    var payload = new Uint8Array(0);
    var isBuffer = false;
    var dataView = new DataView(new ArrayBuffer(0));
    var pos = 0;
    var end = 0;
    var STRING_CACHE_SIZE = 2048;
    var stringCache = new Array(STRING_CACHE_SIZE);
    var stringCacheEpochs = new Uint16Array(STRING_CACHE_SIZE);
    var cacheEpoch = 0;
    function readValue(ns) {
      if (pos >= end) {
        throw new Error("unexpected end of CBOR payload.");
      }
      const major = (payload[pos] & 224) >> 5;
      const minor = payload[pos] & 31;
      if (minor === minorIndefinite && major >= 2 && major <= 5) {
        return readIndefinite(ns, major);
      }
      switch (major) {
        case majorUint64:
          return readUnsignedInt();
        case majorNegativeInt64:
          return readNegativeInt();
        case majorUnstructuredByteString:
          return readByteString();
        case majorUtf8String:
          return readUtf8String();
        case majorList:
          return readList(ns);
        case majorMap:
          return readMap(ns);
        case majorTag:
          return readTag();
        case majorSpecial:
          return readSpecial();
        default:
          throw new Error(`unexpected CBOR major type ${major}.`);
      }
    }
    function readList(ns) {
      const count = decodeCount();
      const memberSchema = ns.isListSchema() ? ns.getValueSchema() : ns;
      const list = Array(count);
      for (let i = 0; i < count; ++i) {
        list[i] = readValue(memberSchema);
      }
      return list;
    }
    function readMap(ns) {
      const count = decodeCount();
      if (ns.isStructSchema()) {
        const startPos = pos;
        return readStruct(ns, count, startPos);
      }
      const valueSchema = ns.isMapSchema() ? ns.getValueSchema() : ns;
      const map = {};
      for (let i = 0; i < count; ++i) {
        const key = readUtf8String();
        map[key] = readValue(valueSchema);
      }
      return map;
    }
    function readStruct(ns, count, startPos) {
      const isUnion = ns.isUnionSchema();
      const cache = loadCborStructIterator(ns);
      const { memberSchemas, encodedKeys, memberNames } = cache;
      const z = encodedKeys.length;
      const result = {};
      let unknownKey;
      let unknownValue;
      let unknownCount = 0;
      let hasType = false;
      let hint = 0;
      for (let i = 0; i < count; ++i) {
        const matchIdx = matchStructKey(encodedKeys, z, hint);
        if (matchIdx >= 0) {
          hint = matchIdx + 1;
          if (hint >= z) {
            hint = 0;
          }
          const val = readValue(memberSchemas[matchIdx]);
          if (val != null) {
            result[memberNames[matchIdx]] = val;
          }
        } else {
          const key = readUtf8String();
          const val = readValue(NormalizedSchema.of(15));
          if (key === "__type" && typeof val === "string") {
            hasType = true;
          } else {
            unknownKey = key;
            unknownValue = val;
            ++unknownCount;
          }
        }
      }
      if (isUnion) {
        let resultEmpty = true;
        for (const _ in result) {
          if (!hasOwn(result, _)) {
            continue;
          }
          resultEmpty = false;
          break;
        }
        if (resultEmpty && unknownCount === 1) {
          result.$unknown = [unknownKey, unknownValue];
        }
      } else if (hasType) {
        pos = startPos;
        const docSchema = NormalizedSchema.of(15);
        for (let i = 0; i < count; ++i) {
          const key = readUtf8String();
          const val = readValue(docSchema);
          if (!(key in result)) {
            result[key] = val;
          }
        }
      }
      return result;
    }
    function readTag(ns) {
      const tagNum = decodeArgument();
      const tagNumber = typeof tagNum === "bigint" ? Number(tagNum) : tagNum;
      if (tagNumber === 1) {
        const docSchema2 = NormalizedSchema.of(15);
        const epochValue = readValue(docSchema2);
        return _parseEpochTimestamp(epochValue);
      }
      if (tagNumber === 2 || tagNumber === 3) {
        const byteStr = readByteString();
        let b = BigInt(0);
        for (let i = 0; i < byteStr.length; ++i) {
          b = b << BigInt(8) | BigInt(byteStr[i]);
        }
        return tagNumber === 3 ? -b - BigInt(1) : b;
      }
      if (tagNumber === 4) {
        const docSchema2 = NormalizedSchema.of(15);
        const pair = readValue(docSchema2);
        const [rawExponent, mantissa] = pair;
        const normalizer = mantissa < 0 ? -1 : 1;
        const absMantissa = BigInt(normalizer) * BigInt(mantissa);
        const mantissaDigits = String(absMantissa);
        const sign = mantissa < 0 ? "-" : "";
        let numericString;
        const isSmallExponent = typeof rawExponent === "number" && Math.abs(rawExponent) <= 2 ** 28;
        if (isSmallExponent) {
          const exponent = rawExponent;
          const mantissaStr = "0".repeat(Math.abs(exponent) + 1) + mantissaDigits;
          numericString = exponent === 0 ? mantissaStr : mantissaStr.slice(0, mantissaStr.length + exponent) + "." + mantissaStr.slice(exponent);
          numericString = numericString.replace(/^0+/g, "");
          if (numericString === "") {
            numericString = "0";
          }
          if (numericString[0] === ".") {
            numericString = "0" + numericString;
          }
          numericString = sign + numericString;
        } else {
          const bigExponent = BigInt(rawExponent);
          if (mantissaDigits.length === 1) {
            numericString = sign + mantissaDigits + "e" + String(bigExponent);
          } else {
            const adjustedExp = bigExponent + BigInt(mantissaDigits.length - 1);
            numericString = sign + mantissaDigits[0] + "." + mantissaDigits.slice(1) + "e" + String(adjustedExp);
          }
        }
        return nv(numericString);
      }
      const docSchema = NormalizedSchema.of(15);
      const innerValue = readValue(docSchema);
      return { tag: castBigInt(tagNum), value: innerValue };
    }
    function readIndefinite(ns, major) {
      switch (major) {
        case majorUtf8String:
          return readUtf8StringIndefinite();
        case majorUnstructuredByteString:
          return readByteStringIndefinite();
        case majorList:
          return readListIndefinite(ns);
        case majorMap:
          return readMapIndefinite(ns);
        default:
          throw new Error(`unexpected indefinite length for major ${major}.`);
      }
    }
    function readUtf8StringIndefinite() {
      pos += 1;
      const chunks = [];
      let totalLen = 0;
      while (pos < end) {
        if (payload[pos] === 255) {
          pos += 1;
          const combined = new Uint8Array(totalLen);
          let offset = 0;
          for (let i = 0; i < chunks.length; ++i) {
            combined.set(chunks[i], offset);
            offset += chunks[i].length;
          }
          if (USE_BUFFER) {
            return Buffer.from(combined.buffer, combined.byteOffset, combined.byteLength).toString("utf-8");
          }
          return textDecoder.decode(combined);
        }
        const bytes = readByteString();
        chunks.push(bytes);
        totalLen += bytes.length;
      }
      throw new Error("expected break marker.");
    }
    function readByteStringIndefinite() {
      pos += 1;
      const chunks = [];
      let totalLen = 0;
      while (pos < end) {
        if (payload[pos] === 255) {
          pos += 1;
          const combined = new Uint8Array(totalLen);
          let offset = 0;
          for (let i = 0; i < chunks.length; ++i) {
            combined.set(chunks[i], offset);
            offset += chunks[i].length;
          }
          return combined;
        }
        const bytes = readByteString();
        chunks.push(bytes);
        totalLen += bytes.length;
      }
      throw new Error("expected break marker.");
    }
    function readListIndefinite(ns) {
      pos += 1;
      const memberSchema = ns.isListSchema() ? ns.getValueSchema() : ns;
      const list = [];
      while (pos < end) {
        if (payload[pos] === 255) {
          pos += 1;
          return list;
        }
        list.push(readValue(memberSchema));
      }
      throw new Error("expected break marker.");
    }
    function readMapIndefinite(ns) {
      pos += 1;
      if (ns.isStructSchema()) {
        const cache = loadCborStructIterator(ns);
        const { memberSchemas, encodedKeys, memberNames } = cache;
        const z = encodedKeys.length;
        const isUnion = ns.isUnionSchema();
        const result = {};
        let unknownKey;
        let unknownValue;
        let unknownCount = 0;
        let hint = 0;
        while (pos < end) {
          if (payload[pos] === 255) {
            pos += 1;
            if (isUnion) {
              let resultEmpty = true;
              for (const _ in result) {
                if (!hasOwn(result, _)) {
                  continue;
                }
                resultEmpty = false;
                break;
              }
              if (resultEmpty && unknownCount === 1) {
                result.$unknown = [unknownKey, unknownValue];
              }
            }
            return result;
          }
          const matchIdx = matchStructKey(encodedKeys, z, hint);
          if (matchIdx >= 0) {
            hint = matchIdx + 1;
            if (hint >= z) {
              hint = 0;
            }
            const val = readValue(memberSchemas[matchIdx]);
            if (val != null) {
              result[memberNames[matchIdx]] = val;
            }
          } else {
            const key = readUtf8String();
            const val = readValue(NormalizedSchema.of(15));
            if (key !== "__type") {
              unknownKey = key;
              unknownValue = val;
              ++unknownCount;
            }
          }
        }
        throw new Error("expected break marker.");
      }
      const valueSchema = ns.isMapSchema() ? ns.getValueSchema() : ns;
      const map = {};
      while (pos < end) {
        if (payload[pos] === 255) {
          pos += 1;
          return map;
        }
        const key = readUtf8String();
        map[key] = readValue(valueSchema);
      }
      throw new Error("expected break marker.");
    }
    function matchStructKey(encodedKeys, z, hint) {
      const hintKey = encodedKeys[hint];
      if (pos + hintKey.length <= end && bytesMatch(pos, hintKey)) {
        pos += hintKey.length;
        return hint;
      }
      for (let i = 0; i < z; ++i) {
        if (i === hint) {
          continue;
        }
        const ek = encodedKeys[i];
        if (pos + ek.length <= end && bytesMatch(pos, ek)) {
          pos += ek.length;
          return i;
        }
      }
      return -1;
    }
    function bytesMatch(at, expected) {
      const len = expected.length;
      if (payload[at] !== expected[0]) {
        return false;
      }
      for (let i = 1; i < len; ++i) {
        if (payload[at + i] !== expected[i]) {
          return false;
        }
      }
      return true;
    }
    function decodeArgument() {
      const minor = payload[pos] & 31;
      if (minor < 24) {
        pos += 1;
        return minor;
      }
      switch (minor) {
        case extendedOneByte:
          if (end - pos < 2) {
            overflow(1);
          }
          pos += 2;
          return payload[pos - 1];
        case extendedFloat16:
          if (end - pos < 3) {
            overflow(2);
          }
          pos += 3;
          return dataView.getUint16(pos - 2);
        case extendedFloat32:
          if (end - pos < 5) {
            overflow(4);
          }
          pos += 5;
          return dataView.getUint32(pos - 4);
        case extendedFloat64: {
          if (end - pos < 9) {
            overflow(8);
          }
          pos += 9;
          const hi = dataView.getUint32(pos - 8);
          if (hi < 2097152) {
            return hi * 4294967296 + dataView.getUint32(pos - 4);
          }
          return dataView.getBigUint64(pos - 8);
        }
        default:
          throw new Error(`unexpected minor value ${minor}.`);
      }
    }
    function decodeCount() {
      const val = decodeArgument();
      return typeof val === "bigint" ? Number(val) : val;
    }
    function readUnsignedInt() {
      const val = decodeArgument();
      return castBigInt(val);
    }
    function readNegativeInt() {
      const val = decodeArgument();
      if (typeof val === "bigint") {
        return BigInt(-1) - val;
      }
      return -1 - val;
    }
    function readByteString() {
      const length = decodeCount();
      if (end - pos < length) {
        overflow(length);
      }
      const start = pos;
      pos += length;
      return payload.subarray(start, start + length);
    }
    function readUtf8String() {
      const length = decodeCount();
      if (end - pos < length) {
        overflow(length);
      }
      const start = pos;
      pos += length;
      if (length < 24) {
        return decodeUtf8Cached(start, length);
      }
      if (isBuffer) {
        return payload.toString("utf-8", start, start + length);
      }
      return textDecoder.decode(payload.subarray(start, start + length));
    }
    function decodeUtf8Cached(at, length) {
      let h = length;
      for (let i = 0; i < length; ++i) {
        h = h * 31 + payload[at + i] | 0;
      }
      const slot = h >>> 0 & STRING_CACHE_SIZE - 1;
      const cached = stringCache[slot];
      if (cached !== void 0 && cached.length === length) {
        let match = true;
        for (let i = 0; i < length; ++i) {
          if (cached.charCodeAt(i) !== payload[at + i]) {
            match = false;
            break;
          }
        }
        if (match) {
          stringCacheEpochs[slot] = cacheEpoch;
          return cached;
        }
      }
      const result = isBuffer ? payload.toString("utf-8", at, at + length) : textDecoder.decode(payload.subarray(at, at + length));
      if (stringCacheEpochs[slot] !== cacheEpoch) {
        stringCache[slot] = result;
        stringCacheEpochs[slot] = cacheEpoch;
      }
      return result;
    }
    function readSpecial() {
      const p = pos;
      const minor = payload[p] & 31;
      switch (minor) {
        case specialTrue:
          pos = p + 1;
          return true;
        case specialFalse:
          pos = p + 1;
          return false;
        case specialNull:
          pos = p + 1;
          return null;
        case specialUndefined:
          pos = p + 1;
          return null;
        case extendedFloat16: {
          if (end - p < 3) {
            overflow(2);
          }
          pos = p + 3;
          return bytesToFloat16(payload[p + 1], payload[p + 2]);
        }
        case extendedFloat32: {
          if (end - p < 5) {
            overflow(4);
          }
          pos = p + 5;
          return dataView.getFloat32(p + 1);
        }
        case extendedFloat64: {
          if (end - p < 9) {
            overflow(8);
          }
          pos = p + 9;
          return dataView.getFloat64(p + 1);
        }
        default:
          throw new Error(`unexpected minor value ${minor} for major 7.`);
      }
    }
    function bytesToFloat16(a, b) {
      const sign = a >> 7;
      const exponent = (a & 124) >> 2;
      const fraction = (a & 3) << 8 | b;
      const scalar = sign === 0 ? 1 : -1;
      if (exponent === 0) {
        if (fraction === 0) {
          return 0;
        }
        return scalar * (Math.pow(2, 1 - 15) * (fraction / 1024));
      } else if (exponent === 31) {
        if (fraction === 0) {
          return scalar * Infinity;
        }
        return NaN;
      }
      return scalar * (Math.pow(2, exponent - 15) * (1 + fraction / 1024));
    }
    function castBigInt(value) {
      if (typeof value === "number") {
        return value;
      }
      const num = Number(value);
      if (Number.MIN_SAFE_INTEGER <= num && num <= Number.MAX_SAFE_INTEGER) {
        return num;
      }
      return value;
    }
    function overflow(n) {
      throw new Error(`CBOR: length ${n} greater than remaining buffer length.`);
    }
    function transformObject(ns, value) {
      if (ns.isTimestampSchema()) {
        if (typeof value === "number") {
          return _parseEpochTimestamp(value);
        }
        if (typeof value === "object" && value !== null) {
          if (value.tag === 1 && "value" in value) {
            return _parseEpochTimestamp(value.value);
          }
        }
      }
      if (ns.isBlobSchema()) {
        return value;
      }
      if (typeof value === "undefined" || typeof value === "boolean" || typeof value === "number" || typeof value === "string" || typeof value === "bigint" || typeof value === "symbol") {
        return value;
      }
      if (typeof value !== "object" || value === null) {
        return value;
      }
      if ("byteLength" in value) {
        return value;
      }
      if (value instanceof Date) {
        return value;
      }
      if (value instanceof NumericValue) {
        return value;
      }
      if (ns.isDocumentSchema()) {
        return value;
      }
      if (ns.isListSchema()) {
        const memberSchema = ns.getValueSchema();
        const out = [];
        for (const item of value) {
          out.push(transformObject(memberSchema, item));
        }
        return out;
      }
      const newObject = {};
      if (ns.isMapSchema()) {
        const targetSchema = ns.getValueSchema();
        for (const key in value) {
          if (!hasOwn(value, key)) {
            continue;
          }
          newObject[key] = transformObject(targetSchema, value[key]);
        }
      } else if (ns.isStructSchema()) {
        const isUnion = ns.isUnionSchema();
        let keys;
        if (isUnion) {
          keys = /* @__PURE__ */ new Set();
          for (const k in value) {
            if (!hasOwn(value, k)) {
              continue;
            }
            if (k !== "__type") {
              keys.add(k);
            }
          }
        }
        for (const [key, memberSchema] of ns.structIterator()) {
          if (isUnion) {
            keys.delete(key);
          }
          if (value[key] != null) {
            newObject[key] = transformObject(memberSchema, value[key]);
          }
        }
        if (isUnion && keys?.size === 1) {
          let newObjectEmpty = true;
          for (const _ in newObject) {
            if (!hasOwn(newObject, _)) {
              continue;
            }
            newObjectEmpty = false;
            break;
          }
          if (newObjectEmpty) {
            const k = keys.values().next().value;
            newObject.$unknown = [k, value[k]];
          }
        } else if (typeof value.__type === "string") {
          for (const k in value) {
            if (!hasOwn(value, k)) {
              continue;
            }
            if (!(k in newObject)) {
              newObject[k] = value[k];
            }
          }
        }
      }
      return newObject;
    }
    var CborCodec = class extends SerdeContext {
      createSerializer() {
        const serializer = new CborShapeSerializer2();
        serializer.setSerdeContext(this.serdeContext);
        return serializer;
      }
      createDeserializer() {
        const deserializer = new CborShapeDeserializer2();
        deserializer.setSerdeContext(this.serdeContext);
        return deserializer;
      }
    };
    var SmithyRpcV2CborProtocol = class extends AbstractRpcV2Protocol {
      codec = new CborCodec();
      serializer = this.codec.createSerializer();
      deserializer = this.codec.createDeserializer();
      getShapeId() {
        return "smithy.protocols#rpcv2Cbor";
      }
      getPayloadCodec() {
        return this.codec;
      }
      getSmithyProtocolHeaderValue() {
        return "rpc-v2-cbor";
      }
      applyEmptyBody(request) {
        if (!request.body) {
          this.serializer.write(15, {});
          request.body = this.serializer.flush();
        }
        if (request.body instanceof Uint8Array) {
          request.headers["content-length"] = String(request.body.byteLength);
        }
      }
      async handleError(operationSchema, context, response, dataObject, metadata) {
        const errorIdentifier = loadSmithyRpcV2CborErrorCode(response, dataObject) ?? "Unknown";
        const preferredNamespaces = ["*"];
        const { defaultNamespace } = this.options;
        preferredNamespaces.unshift(defaultNamespace);
        const [namespace, errorShapeName] = (() => {
          if (errorIdentifier.includes("#")) {
            return errorIdentifier.split("#");
          }
          return [void 0, errorIdentifier];
        })();
        if (namespace) {
          preferredNamespaces.unshift(namespace);
        }
        const errorMetadata = {
          $metadata: metadata,
          $fault: response.statusCode < 500 ? "client" : "server"
        };
        const preferredRegistries = [this.compositeErrorRegistry];
        if (namespace) {
          preferredRegistries.push(TypeRegistry.for(namespace));
        }
        preferredRegistries.push(TypeRegistry.for(defaultNamespace));
        const [errorSchema, ErrorCtor, errorMode] = this.resolveError(errorShapeName, preferredNamespaces, preferredRegistries);
        if (errorMode === "native" || errorMode === "synthetic") {
          if (dataObject.Message) {
            dataObject.message = dataObject.Message;
          }
          const error = errorMode === "synthetic" ? new ErrorCtor({ name: errorShapeName }) : new Error(errorShapeName);
          throw Object.assign(error, errorMetadata, dataObject);
        }
        const ns = NormalizedSchema.of(errorSchema);
        const message = dataObject.message ?? dataObject.Message ?? "Unknown";
        const exception = new ErrorCtor({});
        const output = {};
        for (const [name, member] of ns.structIterator()) {
          output[name] = this.deserializer.readValue(member, dataObject[name]);
        }
        throw Object.assign(exception, errorMetadata, {
          $fault: ns.getMergedTraits().error,
          message
        }, output);
      }
      getDefaultContentType() {
        return "application/cbor";
      }
    };
    var CborShapeSerializer = class extends SerdeContext {
      value;
      write(schema, value) {
        this.value = this.serialize(schema, value);
      }
      serialize(schema, source) {
        const ns = NormalizedSchema.of(schema);
        if (source == null) {
          if (ns.isIdempotencyToken()) {
            return generateIdempotencyToken();
          }
          return source;
        }
        if (ns.isBlobSchema()) {
          if (typeof source === "string") {
            return (this.serdeContext?.base64Decoder ?? fromBase64)(source);
          }
          return source;
        }
        if (ns.isTimestampSchema()) {
          if (typeof source === "number" || typeof source === "bigint") {
            return dateToTag(new Date(Number(source) / 1e3 | 0));
          }
          return dateToTag(source);
        }
        if (typeof source === "function" || typeof source === "object") {
          const sourceObject = source;
          if (ns.isListSchema() && Array.isArray(sourceObject)) {
            const sparse = !!ns.getMergedTraits().sparse;
            const newArray = [];
            let i = 0;
            for (const item of sourceObject) {
              const value = this.serialize(ns.getValueSchema(), item);
              if (value != null || sparse) {
                newArray[i++] = value;
              }
            }
            return newArray;
          }
          if (sourceObject instanceof Date) {
            return dateToTag(sourceObject);
          }
          const newObject = {};
          if (ns.isMapSchema()) {
            const sparse = !!ns.getMergedTraits().sparse;
            for (const key in sourceObject) {
              if (!hasOwn(sourceObject, key)) {
                continue;
              }
              const value = this.serialize(ns.getValueSchema(), sourceObject[key]);
              if (value != null || sparse) {
                newObject[key] = value;
              }
            }
          } else if (ns.isStructSchema()) {
            for (const [key, memberSchema] of ns.structIterator()) {
              const value = this.serialize(memberSchema, sourceObject[key]);
              if (value != null) {
                newObject[key] = value;
              }
            }
            const isUnion = ns.isUnionSchema();
            if (isUnion && Array.isArray(sourceObject.$unknown)) {
              const [k, v] = sourceObject.$unknown;
              newObject[k] = v;
            } else if (typeof sourceObject.__type === "string") {
              for (const k in sourceObject) {
                if (!hasOwn(sourceObject, k)) {
                  continue;
                }
                if (!(k in newObject)) {
                  newObject[k] = this.serialize(15, sourceObject[k]);
                }
              }
            }
          } else if (ns.isDocumentSchema()) {
            if (Array.isArray(sourceObject)) {
              const newArray = [];
              let i = 0;
              for (const item of sourceObject) {
                newArray[i++] = this.serialize(ns.getValueSchema(), item);
              }
              return newArray;
            }
            for (const key in sourceObject) {
              if (!hasOwn(sourceObject, key)) {
                continue;
              }
              newObject[key] = this.serialize(ns.getValueSchema(), sourceObject[key]);
            }
          } else if (ns.isBigDecimalSchema()) {
            return sourceObject;
          }
          return newObject;
        }
        return source;
      }
      flush() {
        const buffer = cbor.serialize(this.value);
        this.value = void 0;
        return buffer;
      }
    };
    var CborShapeDeserializer = class extends SerdeContext {
      read(schema, bytes) {
        const data2 = cbor.deserialize(bytes);
        return this.readValue(schema, data2);
      }
      readValue(_schema, value) {
        const ns = NormalizedSchema.of(_schema);
        if (ns.isTimestampSchema()) {
          if (typeof value === "number") {
            return _parseEpochTimestamp(value);
          }
          if (typeof value === "object") {
            if (value.tag === 1 && "value" in value) {
              return _parseEpochTimestamp(value.value);
            }
          }
        }
        if (ns.isBlobSchema()) {
          if (typeof value === "string") {
            return (this.serdeContext?.base64Decoder ?? fromBase64)(value);
          }
          return value;
        }
        if (typeof value === "undefined" || typeof value === "boolean" || typeof value === "number" || typeof value === "string" || typeof value === "bigint" || typeof value === "symbol") {
          return value;
        } else if (typeof value === "object") {
          if (value === null) {
            return null;
          }
          if ("byteLength" in value) {
            return value;
          }
          if (value instanceof Date) {
            return value;
          }
          if (ns.isDocumentSchema()) {
            return value;
          }
          if (ns.isListSchema()) {
            const newArray = [];
            const memberSchema = ns.getValueSchema();
            for (const item of value) {
              const itemValue = this.readValue(memberSchema, item);
              newArray.push(itemValue);
            }
            return newArray;
          }
          const newObject = {};
          if (ns.isMapSchema()) {
            const targetSchema = ns.getValueSchema();
            for (const key in value) {
              if (!hasOwn(value, key)) {
                continue;
              }
              const itemValue = this.readValue(targetSchema, value[key]);
              newObject[key] = itemValue;
            }
          } else if (ns.isStructSchema()) {
            const isUnion = ns.isUnionSchema();
            let keys;
            if (isUnion) {
              keys = /* @__PURE__ */ new Set();
              for (const k in value) {
                if (!hasOwn(value, k)) {
                  continue;
                }
                if (k !== "__type") {
                  keys.add(k);
                }
              }
            }
            for (const [key, memberSchema] of ns.structIterator()) {
              if (isUnion) {
                keys.delete(key);
              }
              if (value[key] != null) {
                newObject[key] = this.readValue(memberSchema, value[key]);
              }
            }
            if (isUnion && keys?.size === 1) {
              let newObjectEmpty = true;
              for (const _ in newObject) {
                if (!hasOwn(newObject, _)) {
                  continue;
                }
                newObjectEmpty = false;
                break;
              }
              if (newObjectEmpty) {
                const k = keys.values().next().value;
                newObject.$unknown = [k, value[k]];
              }
            } else if (typeof value.__type === "string") {
              for (const k in value) {
                if (!hasOwn(value, k)) {
                  continue;
                }
                if (!(k in newObject)) {
                  newObject[k] = value[k];
                }
              }
            }
          } else if (value instanceof NumericValue) {
            return value;
          }
          return newObject;
        } else {
          return value;
        }
      }
    };
    exports.CborCodec = CborCodec;
    exports.CborShapeDeserializer = CborShapeDeserializer;
    exports.CborShapeDeserializer2 = CborShapeDeserializer2;
    exports.CborShapeSerializer = CborShapeSerializer;
    exports.CborShapeSerializer2 = CborShapeSerializer2;
    exports.SmithyRpcV2CborProtocol = SmithyRpcV2CborProtocol;
    exports.buildHttpRpcRequest = buildHttpRpcRequest;
    exports.cbor = cbor;
    exports.checkCborResponse = checkCborResponse;
    exports.dateToTag = dateToTag;
    exports.loadSmithyRpcV2CborErrorCode = loadSmithyRpcV2CborErrorCode;
    exports.parseCborBody = parseCborBody;
    exports.parseCborErrorBody = parseCborErrorBody;
    exports.tag = tag;
    exports.tagSymbol = tagSymbol;
  }
});

// node_modules/@aws-sdk/xml-builder/dist-es/escape-attribute.js
function escapeAttribute(value) {
  return value.replace(ATTR_ESCAPE_RE, (ch) => ATTR_ESCAPE_MAP[ch]);
}
var ATTR_ESCAPE_RE, ATTR_ESCAPE_MAP;
var init_escape_attribute = __esm({
  "node_modules/@aws-sdk/xml-builder/dist-es/escape-attribute.js"() {
    ATTR_ESCAPE_RE = /[&<>"]/g;
    ATTR_ESCAPE_MAP = {
      "&": "&amp;",
      "<": "&lt;",
      ">": "&gt;",
      '"': "&quot;"
    };
  }
});

// node_modules/@aws-sdk/xml-builder/dist-es/escape-element.js
function escapeElement(value) {
  return value.replace(ELEMENT_ESCAPE_RE, (ch) => ELEMENT_ESCAPE_MAP[ch]);
}
var ELEMENT_ESCAPE_RE, ELEMENT_ESCAPE_MAP;
var init_escape_element = __esm({
  "node_modules/@aws-sdk/xml-builder/dist-es/escape-element.js"() {
    ELEMENT_ESCAPE_RE = /[&"'<>\r\n\u0085\u2028]/g;
    ELEMENT_ESCAPE_MAP = {
      "&": "&amp;",
      '"': "&quot;",
      "'": "&apos;",
      "<": "&lt;",
      ">": "&gt;",
      "\r": "&#x0D;",
      "\n": "&#x0A;",
      "\x85": "&#x85;",
      "\u2028": "&#x2028;"
    };
  }
});

// node_modules/@aws-sdk/xml-builder/dist-es/XmlText.js
var XmlText;
var init_XmlText = __esm({
  "node_modules/@aws-sdk/xml-builder/dist-es/XmlText.js"() {
    init_escape_element();
    XmlText = class {
      value;
      constructor(value) {
        this.value = value;
      }
      toString() {
        return escapeElement("" + this.value);
      }
    };
  }
});

// node_modules/@aws-sdk/xml-builder/dist-es/XmlNode.js
var XmlNode;
var init_XmlNode = __esm({
  "node_modules/@aws-sdk/xml-builder/dist-es/XmlNode.js"() {
    init_escape_attribute();
    init_XmlText();
    XmlNode = class _XmlNode {
      name;
      children;
      attributes = {};
      static of(name, childText, withName) {
        const node = new _XmlNode(name);
        if (childText !== void 0) {
          node.addChildNode(new XmlText(childText));
        }
        if (withName !== void 0) {
          node.withName(withName);
        }
        return node;
      }
      constructor(name, children = []) {
        this.name = name;
        this.children = children;
      }
      withName(name) {
        this.name = name;
        return this;
      }
      addAttribute(name, value) {
        this.attributes[name] = value;
        return this;
      }
      addChildNode(child) {
        this.children.push(child);
        return this;
      }
      removeAttribute(name) {
        delete this.attributes[name];
        return this;
      }
      n(name) {
        this.name = name;
        return this;
      }
      c(child) {
        this.children.push(child);
        return this;
      }
      a(name, value) {
        if (value != null) {
          this.attributes[name] = value;
        }
        return this;
      }
      cc(input, field, withName = field) {
        if (input[field] != null) {
          const node = _XmlNode.of(field, input[field]).withName(withName);
          this.c(node);
        }
      }
      l(input, listName, memberName, valueProvider) {
        if (input[listName] != null) {
          const nodes = valueProvider();
          nodes.map((node) => {
            node.withName(memberName);
            this.c(node);
          });
        }
      }
      lc(input, listName, memberName, valueProvider) {
        if (input[listName] != null) {
          const nodes = valueProvider();
          const containerNode = new _XmlNode(memberName);
          nodes.map((node) => {
            containerNode.c(node);
          });
          this.c(containerNode);
        }
      }
      toString() {
        const hasChildren = Boolean(this.children.length);
        let xmlText = `<${this.name}`;
        const attributes = this.attributes;
        for (const attributeName of Object.keys(attributes)) {
          const attribute = attributes[attributeName];
          if (attribute != null) {
            xmlText += ` ${attributeName}="${escapeAttribute("" + attribute)}"`;
          }
        }
        return xmlText += !hasChildren ? "/>" : `>${this.children.map((c) => c.toString()).join("")}</${this.name}>`;
      }
    };
  }
});

// node_modules/@aws-sdk/xml-builder/dist-es/xml-parser.js
function writeKey(obj) {
  Object.defineProperty(obj, "__proto__", { value: void 0, writable: true, enumerable: true, configurable: true });
}
function parseXML(xml) {
  const state = new AwsXmlParser(xml);
  return state.parse();
}
var AwsXmlParser;
var init_xml_parser = __esm({
  "node_modules/@aws-sdk/xml-builder/dist-es/xml-parser.js"() {
    AwsXmlParser = class _AwsXmlParser {
      x;
      i = 0;
      z;
      constructor(x) {
        this.x = x;
        this.x = x.replace(/\r\n?/g, "\n");
        this.z = this.x.length;
      }
      parse() {
        const p = this;
        const { z } = p;
        while (p.i < z) {
          p.trim();
          if (p.i >= z) {
            break;
          }
          if (p.isNext("<?")) {
            p.readTo("?>");
            p.trim();
          } else if (p.isNext("<!--")) {
            p.readTo("-->");
            p.trim();
          } else if (p.isNext("<!DOCTYPE", false)) {
            p.skipDoctype();
            p.trim();
          } else if (p.x[p.i] === "<") {
            const root = p.parseTag();
            return { [root.tag]: root.value };
          } else {
            throw new Error("@aws-sdk XML parse error: unexpected content.");
          }
        }
        throw new Error("@aws-sdk XML parse error: no root element.");
      }
      isNext(s, caseSensitive = true) {
        const p = this;
        if (caseSensitive) {
          return p.x.startsWith(s, p.i);
        }
        return p.x.toLowerCase().startsWith(s.toLowerCase(), p.i);
      }
      readTo(stop) {
        const p = this;
        const _i = p.x.indexOf(stop, p.i);
        if (_i === -1) {
          throw new Error(`@aws-sdk XML parse error: expected "${stop}" not found.`);
        }
        const result = p.x.slice(p.i, _i);
        p.i = _i + stop.length;
        return result;
      }
      trim() {
        const p = this;
        while (p.i < p.z && " 	\r\n".includes(p.x[p.i])) {
          ++p.i;
        }
      }
      readAttrValue() {
        const p = this;
        const quote = p.x[p.i];
        ++p.i;
        let value = "";
        while (p.i < p.z && p.x[p.i] !== quote) {
          value += p.x[p.i++];
        }
        ++p.i;
        return p.decodeEntities(value);
      }
      parseTag() {
        const p = this;
        ++p.i;
        let tag = "";
        while (p.i < p.z && !" 	\r\n>/".includes(p.x[p.i])) {
          tag += p.x[p.i++];
        }
        let hasAttrs = false;
        const attrs = {};
        while (p.i < p.z) {
          p.trim();
          if (">/".includes(p.x[p.i])) {
            break;
          }
          let name = "";
          while (p.i < p.z && !"= 	\r\n>/?".includes(p.x[p.i])) {
            name += p.x[p.i++];
          }
          p.trim();
          if (p.x[p.i] !== "=") {
            break;
          }
          ++p.i;
          p.trim();
          if (name === "__proto__") {
            writeKey(attrs);
          }
          attrs[name] = p.readAttrValue();
          hasAttrs = true;
        }
        if (p.i >= p.z) {
          throw new Error("@aws-sdk XML parse error: unexpected end of input.");
        }
        if (p.x[p.i] === "/") {
          ++p.i;
          if (p.i >= p.z || p.x[p.i] !== ">") {
            throw new Error("@aws-sdk XML parse error: expected > at the end of self-closing tag.");
          }
          ++p.i;
          return { tag, value: hasAttrs ? attrs : "" };
        }
        if (p.x[p.i] !== ">") {
          throw new Error("@aws-sdk XML parse error: expected > at the end of opening tag.");
        }
        ++p.i;
        const textParts = [];
        const childTags = [];
        let hasElementChild = false;
        while (p.i < p.z) {
          if (p.isNext("</")) {
            break;
          }
          if (p.x[p.i] === "<") {
            if (p.isNext("<!--")) {
              p.readTo("-->");
            } else if (p.isNext("<![CDATA[")) {
              p.i += 9;
              textParts.push(p.readTo("]]>"));
            } else if (p.isNext("<?")) {
              p.readTo("?>");
            } else {
              hasElementChild = true;
              childTags.push(p.parseTag());
            }
          } else {
            let text = "";
            while (p.i < p.z && p.x[p.i] !== "<") {
              text += p.x[p.i++];
            }
            textParts.push(p.decodeEntities(text));
          }
        }
        if (!p.isNext("</")) {
          throw new Error(`@aws-sdk XML parse error: missing closing tag </${tag}>.`);
        }
        p.i += 2;
        const closeTag = p.readTo(">").trim();
        if (closeTag !== tag) {
          throw new Error(`@aws-sdk XML parse error: mismatched tags <${tag}> and </${closeTag}>.`);
        }
        if (!hasAttrs && textParts.length === 0 && !hasElementChild) {
          return { tag, value: "" };
        }
        if (!hasAttrs && !hasElementChild) {
          const text = textParts.length === 1 ? textParts[0] : textParts.join("");
          if (text.trim() === "" && text.includes("\n")) {
            return { tag, value: "" };
          }
          return { tag, value: text };
        }
        const obj = {};
        for (const text of textParts) {
          if (text.trim() === "" && text.includes("\n")) {
            continue;
          }
          obj["#text"] = "#text" in obj ? obj["#text"] + text : text;
        }
        for (const child of childTags) {
          if (child.tag === "__proto__") {
            writeKey(obj);
          }
          if (child.tag in obj) {
            if (Array.isArray(obj[child.tag])) {
              obj[child.tag].push(child.value);
            } else {
              obj[child.tag] = [obj[child.tag], child.value];
            }
          } else {
            obj[child.tag] = child.value;
          }
        }
        for (const [k, v] of Object.entries(attrs)) {
          if (k === "__proto__") {
            writeKey(obj);
          }
          obj[k] = v;
        }
        return { tag, value: obj };
      }
      static ENTITIES = {
        amp: "&",
        lt: "<",
        gt: ">",
        quot: '"',
        apos: "'"
      };
      skipDoctype() {
        const p = this;
        p.i += 9;
        let depth = 0;
        while (p.i < p.z) {
          const c = p.x[p.i];
          if (c === "[") {
            ++depth;
          } else if (c === "]") {
            --depth;
          } else if (c === ">" && depth === 0) {
            ++p.i;
            return;
          }
          ++p.i;
        }
        throw new Error("@aws-sdk XML parse error: unclosed DOCTYPE.");
      }
      decodeEntities(s) {
        return s.replace(/&(?:#x([0-9a-fA-F]{1,6})|#(\d{1,7})|([a-zA-Z][a-zA-Z0-9]{0,30}));/g, (_, hex, dec, named) => {
          if (hex) {
            return String.fromCharCode(parseInt(hex, 16));
          }
          if (dec) {
            return String.fromCharCode(parseInt(dec, 10));
          }
          return _AwsXmlParser.ENTITIES[named] ?? "";
        });
      }
    };
  }
});

// node_modules/@aws-sdk/xml-builder/dist-es/index.js
var dist_es_exports3 = {};
__export(dist_es_exports3, {
  XmlNode: () => XmlNode,
  XmlText: () => XmlText,
  parseXML: () => parseXML
});
var init_dist_es3 = __esm({
  "node_modules/@aws-sdk/xml-builder/dist-es/index.js"() {
    init_XmlNode();
    init_XmlText();
    init_xml_parser();
  }
});

// node_modules/@aws-sdk/core/dist-cjs/submodules/protocols/index.js
var require_protocols2 = __commonJS({
  "node_modules/@aws-sdk/core/dist-cjs/submodules/protocols/index.js"(exports) {
    var { SmithyRpcV2CborProtocol, loadSmithyRpcV2CborErrorCode } = require_cbor();
    var { TypeRegistry, NormalizedSchema, deref } = require_schema();
    var { decorateServiceException, getValueFromTextNode } = require_client();
    var { RpcProtocol, JsonCodec2, loadJsonRpcErrorCode, HttpBindingProtocol, HttpInterceptingShapeSerializer, HttpInterceptingShapeDeserializer, loadRestJsonErrorCode, SmithyRpcV2JsonProtocol, loadSmithyRpcV2JsonErrorCode, FromStringShapeDeserializer, determineTimestampFormat, extendedEncodeURIComponent, collectBody } = require_protocols();
    var { JsonCodec, JsonShapeDeserializer, JsonShapeDeserializer2, JsonShapeSerializer, JsonShapeSerializer2, parseJsonBody, parseJsonErrorBody } = require_protocols();
    exports.JsonCodec = JsonCodec;
    exports.JsonCodec2 = JsonCodec2;
    exports.JsonShapeDeserializer = JsonShapeDeserializer;
    exports.JsonShapeDeserializer2 = JsonShapeDeserializer2;
    exports.JsonShapeSerializer = JsonShapeSerializer;
    exports.JsonShapeSerializer2 = JsonShapeSerializer2;
    exports.loadJsonRpcErrorCode = loadJsonRpcErrorCode;
    exports.loadRestJsonErrorCode = loadRestJsonErrorCode;
    exports.parseJsonBody = parseJsonBody;
    exports.parseJsonErrorBody = parseJsonErrorBody;
    var { parseXML: parseXML2, XmlNode: XmlNode2, XmlText: XmlText2 } = (init_dist_es3(), __toCommonJS(dist_es_exports3));
    var { toUtf8, toBase64, generateIdempotencyToken, NumericValue, dateToUtcString, fromBase64, expectUnion } = require_serde();
    var ProtocolLib = class {
      queryCompat;
      errorRegistry;
      constructor(queryCompat = false) {
        this.queryCompat = queryCompat;
      }
      resolveRestContentType(defaultContentType, inputSchema) {
        const members = inputSchema.getMemberSchemas();
        const httpPayloadMember = Object.values(members).find((m) => {
          return !!m.getMergedTraits().httpPayload;
        });
        if (httpPayloadMember) {
          const mediaType = httpPayloadMember.getMergedTraits().mediaType;
          if (mediaType) {
            return mediaType;
          } else if (httpPayloadMember.isStringSchema()) {
            return "text/plain";
          } else if (httpPayloadMember.isBlobSchema()) {
            return "application/octet-stream";
          } else {
            return defaultContentType;
          }
        } else if (!inputSchema.isUnitSchema()) {
          const hasBody = Object.values(members).find((m) => {
            const { httpQuery, httpQueryParams, httpHeader, httpLabel, httpPrefixHeaders } = m.getMergedTraits();
            const noPrefixHeaders = httpPrefixHeaders === void 0;
            return !httpQuery && !httpQueryParams && !httpHeader && !httpLabel && noPrefixHeaders;
          });
          if (hasBody) {
            return defaultContentType;
          }
        }
      }
      async getErrorSchemaOrThrowBaseException(errorIdentifier, defaultNamespace, response, dataObject, metadata, getErrorSchema) {
        let errorName = errorIdentifier;
        if (errorIdentifier.includes("#")) {
          [, errorName] = errorIdentifier.split("#");
        }
        const errorMetadata = {
          $metadata: metadata,
          $fault: response.statusCode < 500 ? "client" : "server"
        };
        if (!this.errorRegistry) {
          throw new Error("@aws-sdk/core/protocols - error handler not initialized.");
        }
        try {
          const errorSchema = getErrorSchema?.(this.errorRegistry, errorName) ?? this.errorRegistry.getSchema(errorIdentifier);
          return { errorSchema, errorMetadata };
        } catch (e) {
          dataObject.message = dataObject.message ?? dataObject.Message ?? "UnknownError";
          const synthetic = this.errorRegistry;
          const baseExceptionSchema = synthetic.getBaseException();
          if (baseExceptionSchema) {
            const ErrorCtor = synthetic.getErrorCtor(baseExceptionSchema) ?? Error;
            throw this.decorateServiceException(Object.assign(new ErrorCtor({ name: errorName }), errorMetadata), dataObject);
          }
          const d = dataObject;
          const message = d?.message ?? d?.Message ?? d?.Error?.Message ?? d?.Error?.message;
          throw this.decorateServiceException(Object.assign(new Error(message), {
            name: errorName
          }, errorMetadata), dataObject);
        }
      }
      compose(composite, errorIdentifier, defaultNamespace) {
        let namespace = defaultNamespace;
        if (errorIdentifier.includes("#")) {
          [namespace] = errorIdentifier.split("#");
        }
        const staticRegistry = TypeRegistry.for(namespace);
        const defaultSyntheticRegistry = TypeRegistry.for("smithy.ts.sdk.synthetic." + defaultNamespace);
        composite.copyFrom(staticRegistry);
        composite.copyFrom(defaultSyntheticRegistry);
        this.errorRegistry = composite;
      }
      decorateServiceException(exception, additions = {}) {
        if (this.queryCompat) {
          const msg = exception.Message ?? additions.Message;
          const error = decorateServiceException(exception, additions);
          if (msg) {
            error.message = msg;
          }
          const errorObj = error.Error ?? {};
          errorObj.Type = error.Error?.Type;
          errorObj.Code = error.Error?.Code;
          errorObj.Message = error.Error?.message ?? error.Error?.Message ?? msg;
          error.Error = errorObj;
          const reqId = error.$metadata.requestId;
          if (reqId) {
            error.RequestId = reqId;
          }
          return error;
        }
        return decorateServiceException(exception, additions);
      }
      setQueryCompatError(output, response) {
        const queryErrorHeader = response.headers?.["x-amzn-query-error"];
        if (output !== void 0 && queryErrorHeader != null) {
          const [Code, Type] = queryErrorHeader.split(";");
          const keys = Object.keys(output);
          const Error2 = {
            Code,
            Type
          };
          output.Code = Code;
          output.Type = Type;
          for (let i = 0; i < keys.length; i++) {
            const k = keys[i];
            Error2[k === "message" ? "Message" : k] = output[k];
          }
          delete Error2.__type;
          output.Error = Error2;
        }
      }
      queryCompatOutput(queryCompatErrorData, errorData) {
        if (queryCompatErrorData.Error) {
          errorData.Error = queryCompatErrorData.Error;
        }
        if (queryCompatErrorData.Type) {
          errorData.Type = queryCompatErrorData.Type;
        }
        if (queryCompatErrorData.Code) {
          errorData.Code = queryCompatErrorData.Code;
        }
      }
      findQueryCompatibleError(registry, errorName) {
        try {
          return registry.getSchema(errorName);
        } catch (e) {
          return registry.find((schema) => NormalizedSchema.of(schema).getMergedTraits().awsQueryError?.[0] === errorName);
        }
      }
    };
    var AwsSmithyRpcV2CborProtocol = class extends SmithyRpcV2CborProtocol {
      awsQueryCompatible;
      mixin;
      constructor({ defaultNamespace, errorTypeRegistries, awsQueryCompatible }) {
        super({ defaultNamespace, errorTypeRegistries });
        this.awsQueryCompatible = !!awsQueryCompatible;
        this.mixin = new ProtocolLib(this.awsQueryCompatible);
      }
      async serializeRequest(operationSchema, input, context) {
        const request = await super.serializeRequest(operationSchema, input, context);
        if (this.awsQueryCompatible) {
          request.headers["x-amzn-query-mode"] = "true";
        }
        return request;
      }
      async handleError(operationSchema, context, response, dataObject, metadata) {
        if (this.awsQueryCompatible) {
          this.mixin.setQueryCompatError(dataObject, response);
        }
        const errorName = (() => {
          const compatHeader = response.headers["x-amzn-query-error"];
          if (compatHeader && this.awsQueryCompatible) {
            return compatHeader.split(";")[0];
          }
          return loadSmithyRpcV2CborErrorCode(response, dataObject) ?? "Unknown";
        })();
        this.mixin.compose(this.compositeErrorRegistry, errorName, this.options.defaultNamespace);
        const { errorSchema, errorMetadata } = await this.mixin.getErrorSchemaOrThrowBaseException(errorName, this.options.defaultNamespace, response, dataObject, metadata, this.awsQueryCompatible ? this.mixin.findQueryCompatibleError : void 0);
        const ns = NormalizedSchema.of(errorSchema);
        const message = dataObject.message ?? dataObject.Message ?? "UnknownError";
        const ErrorCtor = this.compositeErrorRegistry.getErrorCtor(errorSchema) ?? Error;
        const exception = new ErrorCtor({});
        const output = {};
        for (const [name, member] of ns.structIterator()) {
          if (dataObject[name] != null) {
            output[name] = this.deserializer.readValue(member, dataObject[name]);
          }
        }
        if (this.awsQueryCompatible) {
          this.mixin.queryCompatOutput(dataObject, output);
        }
        throw this.mixin.decorateServiceException(Object.assign(exception, errorMetadata, {
          $fault: ns.getMergedTraits().error,
          message
        }, output), dataObject);
      }
    };
    var AwsJsonRpcProtocol = class extends RpcProtocol {
      serializer;
      deserializer;
      serviceTarget;
      codec;
      mixin;
      awsQueryCompatible;
      constructor({ defaultNamespace, errorTypeRegistries, serviceTarget, awsQueryCompatible, jsonCodec }) {
        super({
          defaultNamespace,
          errorTypeRegistries
        });
        this.serviceTarget = serviceTarget;
        this.codec = jsonCodec ?? new JsonCodec2({
          timestampFormat: {
            useTrait: true,
            default: 7
          },
          jsonName: false
        });
        this.serializer = this.codec.createSerializer();
        this.deserializer = this.codec.createDeserializer();
        this.awsQueryCompatible = !!awsQueryCompatible;
        this.mixin = new ProtocolLib(this.awsQueryCompatible);
      }
      async serializeRequest(operationSchema, input, context) {
        const request = await super.serializeRequest(operationSchema, input, context);
        if (!request.path.endsWith("/")) {
          request.path += "/";
        }
        request.headers["content-type"] = `application/x-amz-json-${this.getJsonRpcVersion()}`;
        request.headers["x-amz-target"] = `${this.serviceTarget}.${operationSchema.name}`;
        if (this.awsQueryCompatible) {
          request.headers["x-amzn-query-mode"] = "true";
        }
        if (deref(operationSchema.input) === "unit" || !request.body) {
          request.body = "{}";
        }
        return request;
      }
      getPayloadCodec() {
        return this.codec;
      }
      async handleError(operationSchema, context, response, dataObject, metadata) {
        const { awsQueryCompatible } = this;
        if (awsQueryCompatible) {
          this.mixin.setQueryCompatError(dataObject, response);
        }
        const errorIdentifier = loadJsonRpcErrorCode(response, dataObject, awsQueryCompatible) ?? "Unknown";
        this.mixin.compose(this.compositeErrorRegistry, errorIdentifier, this.options.defaultNamespace);
        const { errorSchema, errorMetadata } = await this.mixin.getErrorSchemaOrThrowBaseException(errorIdentifier, this.options.defaultNamespace, response, dataObject, metadata, awsQueryCompatible ? this.mixin.findQueryCompatibleError : void 0);
        const ns = NormalizedSchema.of(errorSchema);
        const message = dataObject.message ?? dataObject.Message ?? "UnknownError";
        const ErrorCtor = this.compositeErrorRegistry.getErrorCtor(errorSchema) ?? Error;
        const exception = new ErrorCtor({});
        const output = {};
        const errorDeserializer = this.codec.createDeserializer();
        for (const [name, member] of ns.structIterator()) {
          if (dataObject[name] != null) {
            output[name] = errorDeserializer.readObject(member, dataObject[name]);
          }
        }
        if (awsQueryCompatible) {
          this.mixin.queryCompatOutput(dataObject, output);
        }
        throw this.mixin.decorateServiceException(Object.assign(exception, errorMetadata, {
          $fault: ns.getMergedTraits().error,
          message
        }, output), dataObject);
      }
    };
    var AwsJson1_0Protocol = class extends AwsJsonRpcProtocol {
      constructor({ defaultNamespace, errorTypeRegistries, serviceTarget, awsQueryCompatible, jsonCodec }) {
        super({
          defaultNamespace,
          errorTypeRegistries,
          serviceTarget,
          awsQueryCompatible,
          jsonCodec
        });
      }
      getShapeId() {
        return "aws.protocols#awsJson1_0";
      }
      getJsonRpcVersion() {
        return "1.0";
      }
      getDefaultContentType() {
        return "application/x-amz-json-1.0";
      }
    };
    var AwsJson1_1Protocol = class extends AwsJsonRpcProtocol {
      constructor({ defaultNamespace, errorTypeRegistries, serviceTarget, awsQueryCompatible, jsonCodec }) {
        super({
          defaultNamespace,
          errorTypeRegistries,
          serviceTarget,
          awsQueryCompatible,
          jsonCodec
        });
      }
      getShapeId() {
        return "aws.protocols#awsJson1_1";
      }
      getJsonRpcVersion() {
        return "1.1";
      }
      getDefaultContentType() {
        return "application/x-amz-json-1.1";
      }
    };
    var AwsRestJsonProtocol = class extends HttpBindingProtocol {
      serializer;
      deserializer;
      codec;
      mixin = new ProtocolLib();
      constructor({ defaultNamespace, errorTypeRegistries, jsonCodec }) {
        super({
          defaultNamespace,
          errorTypeRegistries
        });
        const settings = {
          timestampFormat: {
            useTrait: true,
            default: 7
          },
          httpBindings: true,
          jsonName: true
        };
        this.codec = jsonCodec ?? new JsonCodec2(settings);
        this.serializer = new HttpInterceptingShapeSerializer(this.codec.createSerializer(), settings);
        this.deserializer = new HttpInterceptingShapeDeserializer(this.codec.createDeserializer(), settings);
      }
      getShapeId() {
        return "aws.protocols#restJson1";
      }
      getPayloadCodec() {
        return this.codec;
      }
      setSerdeContext(serdeContext) {
        this.codec.setSerdeContext(serdeContext);
        super.setSerdeContext(serdeContext);
      }
      async serializeRequest(operationSchema, input, context) {
        const request = await super.serializeRequest(operationSchema, input, context);
        const inputSchema = NormalizedSchema.of(operationSchema.input);
        if (!request.headers["content-type"]) {
          const contentType = this.mixin.resolveRestContentType(this.getDefaultContentType(), inputSchema);
          if (contentType) {
            request.headers["content-type"] = contentType;
          }
        }
        if (request.body == null && request.headers["content-type"] === this.getDefaultContentType()) {
          request.body = "{}";
        }
        return request;
      }
      async deserializeResponse(operationSchema, context, response) {
        const output = await super.deserializeResponse(operationSchema, context, response);
        const outputSchema = NormalizedSchema.of(operationSchema.output);
        for (const [name, member] of outputSchema.structIterator()) {
          if (member.getMemberTraits().httpPayload && !(name in output)) {
            output[name] = null;
          }
        }
        return output;
      }
      async handleError(operationSchema, context, response, dataObject, metadata) {
        const errorIdentifier = loadRestJsonErrorCode(response, dataObject) ?? "Unknown";
        this.mixin.compose(this.compositeErrorRegistry, errorIdentifier, this.options.defaultNamespace);
        const { errorSchema, errorMetadata } = await this.mixin.getErrorSchemaOrThrowBaseException(errorIdentifier, this.options.defaultNamespace, response, dataObject, metadata);
        const ns = NormalizedSchema.of(errorSchema);
        const message = dataObject.message ?? dataObject.Message ?? "UnknownError";
        const ErrorCtor = this.compositeErrorRegistry.getErrorCtor(errorSchema) ?? Error;
        const exception = new ErrorCtor({});
        await this.deserializeHttpMessage(errorSchema, context, response, dataObject);
        const output = {};
        const errorDeserializer = this.codec.createDeserializer();
        for (const [name, member] of ns.structIterator()) {
          const target = member.getMergedTraits().jsonName ?? name;
          output[name] = errorDeserializer.readObject(member, dataObject[target]);
        }
        throw this.mixin.decorateServiceException(Object.assign(exception, errorMetadata, {
          $fault: ns.getMergedTraits().error,
          message
        }, output), dataObject);
      }
      getDefaultContentType() {
        return "application/json";
      }
    };
    var AwsSmithyRpcV2JsonProtocol = class extends SmithyRpcV2JsonProtocol {
      awsQueryCompatible;
      mixin;
      constructor({ defaultNamespace, errorTypeRegistries, awsQueryCompatible }) {
        super({ defaultNamespace, errorTypeRegistries });
        this.awsQueryCompatible = !!awsQueryCompatible;
        this.mixin = new ProtocolLib(this.awsQueryCompatible);
      }
      async serializeRequest(operationSchema, input, context) {
        const request = await super.serializeRequest(operationSchema, input, context);
        if (this.awsQueryCompatible) {
          request.headers["x-amzn-query-mode"] = "true";
        }
        return request;
      }
      async handleError(operationSchema, context, response, dataObject, metadata) {
        if (this.awsQueryCompatible) {
          this.mixin.setQueryCompatError(dataObject, response);
        }
        const errorName = (() => {
          const compatHeader = response.headers["x-amzn-query-error"];
          if (compatHeader && this.awsQueryCompatible) {
            return compatHeader.split(";")[0];
          }
          return loadSmithyRpcV2JsonErrorCode(response, dataObject) ?? "Unknown";
        })();
        this.mixin.compose(this.compositeErrorRegistry, errorName, this.options.defaultNamespace);
        const { errorSchema, errorMetadata } = await this.mixin.getErrorSchemaOrThrowBaseException(errorName, this.options.defaultNamespace, response, dataObject, metadata, this.awsQueryCompatible ? this.mixin.findQueryCompatibleError : void 0);
        const ns = NormalizedSchema.of(errorSchema);
        const message = dataObject.message ?? dataObject.Message ?? "UnknownError";
        const ErrorCtor = this.compositeErrorRegistry.getErrorCtor(errorSchema) ?? Error;
        const exception = new ErrorCtor({});
        const output = {};
        const errorDeserializer = this.getPayloadCodec().createDeserializer();
        for (const [name, member] of ns.structIterator()) {
          if (dataObject[name] != null) {
            output[name] = errorDeserializer.readObject(member, dataObject[name]);
          }
        }
        if (this.awsQueryCompatible) {
          this.mixin.queryCompatOutput(dataObject, output);
        }
        throw this.mixin.decorateServiceException(Object.assign(exception, errorMetadata, {
          $fault: ns.getMergedTraits().error,
          message
        }, output), dataObject);
      }
    };
    var SerdeContextConfig = class {
      serdeContext;
      setSerdeContext(serdeContext) {
        this.serdeContext = serdeContext;
      }
    };
    var UnionSerde = class {
      from;
      to;
      keys;
      constructor(from, to) {
        this.from = from;
        this.to = to;
        const keys = Object.keys(this.from);
        const set = new Set(keys);
        set.delete("__type");
        this.keys = set;
      }
      mark(key) {
        this.keys.delete(key);
      }
      hasUnknown() {
        return this.keys.size === 1 && Object.keys(this.to).length === 0;
      }
      writeUnknown() {
        if (this.hasUnknown()) {
          const k = this.keys.values().next().value;
          const v = this.from[k];
          this.to.$unknown = [k, v];
        }
      }
    };
    function writeKey2(obj) {
      Object.defineProperty(obj, "__proto__", { value: void 0, writable: true, enumerable: true, configurable: true });
    }
    var XmlShapeDeserializer = class extends SerdeContextConfig {
      settings;
      stringDeserializer;
      constructor(settings) {
        super();
        this.settings = settings;
        this.stringDeserializer = new FromStringShapeDeserializer(settings);
      }
      setSerdeContext(serdeContext) {
        this.serdeContext = serdeContext;
        this.stringDeserializer.setSerdeContext(serdeContext);
      }
      read(schema, bytes, key) {
        const ns = NormalizedSchema.of(schema);
        const memberSchemas = ns.getMemberSchemas();
        const isEventPayload = ns.isStructSchema() && ns.isMemberSchema() && !!Object.values(memberSchemas).find((memberNs) => {
          return !!memberNs.getMemberTraits().eventPayload;
        });
        if (isEventPayload) {
          const output = {};
          const memberName = Object.keys(memberSchemas)[0];
          const eventMemberSchema = memberSchemas[memberName];
          if (eventMemberSchema.isBlobSchema()) {
            output[memberName] = bytes;
          } else {
            output[memberName] = this.read(memberSchemas[memberName], bytes);
          }
          return output;
        }
        const xmlString = (this.serdeContext?.utf8Encoder ?? toUtf8)(bytes);
        const parsedObject = this.parseXml(xmlString);
        return this.readSchema(schema, key ? parsedObject[key] : parsedObject);
      }
      readSchema(_schema, value) {
        const ns = NormalizedSchema.of(_schema);
        if (ns.isUnitSchema()) {
          return;
        }
        const traits = ns.getMergedTraits();
        if (ns.isListSchema() && !Array.isArray(value)) {
          return this.readSchema(ns, [value]);
        }
        if (value == null) {
          return value;
        }
        if (typeof value === "object") {
          const flat = !!traits.xmlFlattened;
          if (ns.isListSchema()) {
            const listValue = ns.getValueSchema();
            const buffer2 = [];
            const sourceKey = listValue.getMergedTraits().xmlName ?? "member";
            const source = flat ? value : (value[0] ?? value)[sourceKey];
            if (source == null) {
              return buffer2;
            }
            const sourceArray = Array.isArray(source) ? source : [source];
            for (const v of sourceArray) {
              buffer2.push(this.readSchema(listValue, v));
            }
            return buffer2;
          }
          const buffer = {};
          if (ns.isMapSchema()) {
            const keyNs = ns.getKeySchema();
            const memberNs = ns.getValueSchema();
            let entries;
            if (flat) {
              entries = Array.isArray(value) ? value : [value];
            } else {
              entries = Array.isArray(value.entry) ? value.entry : [value.entry];
            }
            const keyProperty = keyNs.getMergedTraits().xmlName ?? "key";
            const valueProperty = memberNs.getMergedTraits().xmlName ?? "value";
            for (const entry of entries) {
              const key = entry[keyProperty];
              const value2 = entry[valueProperty];
              if (key === "__proto__") {
                writeKey2(buffer);
              }
              buffer[key] = this.readSchema(memberNs, value2);
            }
            return buffer;
          }
          if (ns.isStructSchema()) {
            const union = ns.isUnionSchema();
            let unionSerde;
            if (union) {
              unionSerde = new UnionSerde(value, buffer);
            }
            for (const [memberName, memberSchema] of ns.structIterator()) {
              const memberTraits = memberSchema.getMergedTraits();
              const xmlObjectKey = !memberTraits.httpPayload ? memberSchema.getMemberTraits().xmlName ?? memberName : memberTraits.xmlName ?? memberSchema.getName();
              if (union) {
                unionSerde.mark(xmlObjectKey);
              }
              if (value[xmlObjectKey] != null) {
                buffer[memberName] = this.readSchema(memberSchema, value[xmlObjectKey]);
              }
            }
            if (union) {
              unionSerde.writeUnknown();
            }
            return buffer;
          }
          if (ns.isDocumentSchema()) {
            return value;
          }
          throw new Error(`@aws-sdk/core/protocols - xml deserializer unhandled schema type for ${ns.getName(true)}`);
        }
        if (ns.isListSchema()) {
          return [];
        }
        if (ns.isMapSchema() || ns.isStructSchema()) {
          return {};
        }
        return this.stringDeserializer.read(ns, value);
      }
      parseXml(xml) {
        if (xml.length) {
          let parsedObj;
          try {
            parsedObj = parseXML2(xml);
          } catch (e) {
            if (e && typeof e === "object") {
              Object.defineProperty(e, "$responseBodyText", {
                value: xml
              });
            }
            throw e;
          }
          const textNodeName = "#text";
          const key = Object.keys(parsedObj)[0];
          const parsedObjToReturn = parsedObj[key];
          if (parsedObjToReturn[textNodeName]) {
            parsedObjToReturn[key] = parsedObjToReturn[textNodeName];
            delete parsedObjToReturn[textNodeName];
          }
          return getValueFromTextNode(parsedObjToReturn);
        }
        return {};
      }
    };
    var QueryShapeSerializer = class extends SerdeContextConfig {
      settings;
      buffer;
      constructor(settings) {
        super();
        this.settings = settings;
      }
      write(schema, value, prefix = "") {
        if (this.buffer === void 0) {
          this.buffer = "";
        }
        const ns = NormalizedSchema.of(schema);
        if (prefix && !prefix.endsWith(".")) {
          prefix += ".";
        }
        if (ns.isBlobSchema()) {
          if (typeof value === "string" || value instanceof Uint8Array) {
            this.writeKey(prefix);
            this.writeValue((this.serdeContext?.base64Encoder ?? toBase64)(value));
          }
        } else if (ns.isBooleanSchema() || ns.isNumericSchema() || ns.isStringSchema()) {
          if (value != null) {
            this.writeKey(prefix);
            this.writeValue(String(value));
          } else if (ns.isIdempotencyToken()) {
            this.writeKey(prefix);
            this.writeValue(generateIdempotencyToken());
          }
        } else if (ns.isBigIntegerSchema()) {
          if (value != null) {
            this.writeKey(prefix);
            this.writeValue(String(value));
          }
        } else if (ns.isBigDecimalSchema()) {
          if (value != null) {
            this.writeKey(prefix);
            this.writeValue(value instanceof NumericValue ? value.string : String(value));
          }
        } else if (ns.isTimestampSchema()) {
          if (value instanceof Date) {
            this.writeKey(prefix);
            const format = determineTimestampFormat(ns, this.settings);
            switch (format) {
              case 5:
                this.writeValue(value.toISOString().replace(".000Z", "Z"));
                break;
              case 6:
                this.writeValue(dateToUtcString(value));
                break;
              case 7:
                this.writeValue(String(value.getTime() / 1e3));
                break;
            }
          }
        } else if (ns.isDocumentSchema()) {
          if (Array.isArray(value)) {
            this.write(64 | 15, value, prefix);
          } else if (value instanceof Date) {
            this.write(4, value, prefix);
          } else if (value instanceof Uint8Array) {
            this.write(21, value, prefix);
          } else if (value && typeof value === "object") {
            this.write(128 | 15, value, prefix);
          } else {
            this.writeKey(prefix);
            this.writeValue(String(value));
          }
        } else if (ns.isListSchema()) {
          if (Array.isArray(value)) {
            if (value.length === 0) {
              if (this.settings.serializeEmptyLists) {
                this.writeKey(prefix);
                this.writeValue("");
              }
            } else {
              const member = ns.getValueSchema();
              const flat = this.settings.flattenLists || ns.getMergedTraits().xmlFlattened;
              let i = 1;
              for (const item of value) {
                if (item == null) {
                  continue;
                }
                const traits = member.getMergedTraits();
                const suffix = this.getKey("member", traits.xmlName, traits.ec2QueryName);
                const key = flat ? `${prefix}${i}` : `${prefix}${suffix}.${i}`;
                this.write(member, item, key);
                ++i;
              }
            }
          }
        } else if (ns.isMapSchema()) {
          if (value && typeof value === "object") {
            const keySchema = ns.getKeySchema();
            const memberSchema = ns.getValueSchema();
            const flat = ns.getMergedTraits().xmlFlattened;
            let i = 1;
            for (const k in value) {
              const v = value[k];
              if (v == null) {
                continue;
              }
              const keyTraits = keySchema.getMergedTraits();
              const keySuffix = this.getKey("key", keyTraits.xmlName, keyTraits.ec2QueryName);
              const key = flat ? `${prefix}${i}.${keySuffix}` : `${prefix}entry.${i}.${keySuffix}`;
              const valTraits = memberSchema.getMergedTraits();
              const valueSuffix = this.getKey("value", valTraits.xmlName, valTraits.ec2QueryName);
              const valueKey = flat ? `${prefix}${i}.${valueSuffix}` : `${prefix}entry.${i}.${valueSuffix}`;
              this.write(keySchema, k, key);
              this.write(memberSchema, v, valueKey);
              ++i;
            }
          }
        } else if (ns.isStructSchema()) {
          if (value && typeof value === "object") {
            let didWriteMember = false;
            for (const [memberName, member] of ns.structIterator()) {
              if (value[memberName] == null && !member.isIdempotencyToken()) {
                continue;
              }
              const traits = member.getMergedTraits();
              const suffix = this.getKey(memberName, traits.xmlName, traits.ec2QueryName, "struct");
              const key = `${prefix}${suffix}`;
              this.write(member, value[memberName], key);
              didWriteMember = true;
            }
            if (!didWriteMember && ns.isUnionSchema()) {
              const { $unknown } = value;
              if (Array.isArray($unknown)) {
                const [k, v] = $unknown;
                const key = `${prefix}${k}`;
                this.write(15, v, key);
              }
            }
          }
        } else if (ns.isUnitSchema()) ;
        else {
          throw new Error(`@aws-sdk/core/protocols - QuerySerializer unrecognized schema type ${ns.getName(true)}`);
        }
      }
      flush() {
        if (this.buffer === void 0) {
          throw new Error("@aws-sdk/core/protocols - QuerySerializer cannot flush with nothing written to buffer.");
        }
        const str = this.buffer;
        delete this.buffer;
        return str;
      }
      getKey(memberName, xmlName, ec2QueryName, keySource) {
        const { ec2, capitalizeKeys } = this.settings;
        if (ec2 && ec2QueryName) {
          return ec2QueryName;
        }
        const key = xmlName ?? memberName;
        if (capitalizeKeys && keySource === "struct") {
          return key[0].toUpperCase() + key.slice(1);
        }
        return key;
      }
      writeKey(key) {
        if (key.endsWith(".")) {
          key = key.slice(0, key.length - 1);
        }
        this.buffer += `&${extendedEncodeURIComponent(key)}=`;
      }
      writeValue(value) {
        this.buffer += extendedEncodeURIComponent(value);
      }
    };
    var AwsQueryProtocol = class extends RpcProtocol {
      options;
      serializer;
      deserializer;
      mixin = new ProtocolLib();
      constructor(options) {
        super({
          defaultNamespace: options.defaultNamespace,
          errorTypeRegistries: options.errorTypeRegistries
        });
        this.options = options;
        const settings = {
          timestampFormat: {
            useTrait: true,
            default: 5
          },
          httpBindings: false,
          xmlNamespace: options.xmlNamespace,
          serviceNamespace: options.defaultNamespace,
          serializeEmptyLists: true
        };
        this.serializer = new QueryShapeSerializer(settings);
        this.deserializer = new XmlShapeDeserializer(settings);
      }
      getShapeId() {
        return "aws.protocols#awsQuery";
      }
      setSerdeContext(serdeContext) {
        this.serializer.setSerdeContext(serdeContext);
        this.deserializer.setSerdeContext(serdeContext);
      }
      getPayloadCodec() {
        throw new Error("AWSQuery protocol has no payload codec.");
      }
      async serializeRequest(operationSchema, input, context) {
        const request = await super.serializeRequest(operationSchema, input, context);
        if (!request.path.endsWith("/")) {
          request.path += "/";
        }
        request.headers["content-type"] = "application/x-www-form-urlencoded";
        if (deref(operationSchema.input) === "unit" || !request.body) {
          request.body = "";
        }
        const action = operationSchema.name.split("#")[1] ?? operationSchema.name;
        request.body = `Action=${action}&Version=${this.options.version}` + request.body;
        if (request.body.endsWith("&")) {
          request.body = request.body.slice(-1);
        }
        return request;
      }
      async deserializeResponse(operationSchema, context, response) {
        const deserializer = this.deserializer;
        const ns = NormalizedSchema.of(operationSchema.output);
        const dataObject = {};
        if (response.statusCode >= 300) {
          const bytes2 = await collectBody(response.body, context);
          if (bytes2.byteLength > 0) {
            Object.assign(dataObject, await deserializer.read(15, bytes2));
          }
          await this.handleError(operationSchema, context, response, dataObject, this.deserializeMetadata(response));
        }
        for (const header in response.headers) {
          const value = response.headers[header];
          delete response.headers[header];
          response.headers[header.toLowerCase()] = value;
        }
        const shortName = operationSchema.name.split("#")[1] ?? operationSchema.name;
        const awsQueryResultKey = ns.isStructSchema() && this.useNestedResult() ? shortName + "Result" : void 0;
        const bytes = await collectBody(response.body, context);
        if (bytes.byteLength > 0) {
          Object.assign(dataObject, await deserializer.read(ns, bytes, awsQueryResultKey));
        }
        dataObject.$metadata = this.deserializeMetadata(response);
        return dataObject;
      }
      useNestedResult() {
        return true;
      }
      async handleError(operationSchema, context, response, dataObject, metadata) {
        const errorIdentifier = this.loadQueryErrorCode(response, dataObject) ?? "Unknown";
        this.mixin.compose(this.compositeErrorRegistry, errorIdentifier, this.options.defaultNamespace);
        const errorData = this.loadQueryError(dataObject) ?? {};
        const message = this.loadQueryErrorMessage(dataObject);
        errorData.message = message;
        errorData.Error = {
          Type: errorData.Type,
          Code: errorData.Code,
          Message: message
        };
        const { errorSchema, errorMetadata } = await this.mixin.getErrorSchemaOrThrowBaseException(errorIdentifier, this.options.defaultNamespace, response, errorData, metadata, this.mixin.findQueryCompatibleError);
        const ns = NormalizedSchema.of(errorSchema);
        const ErrorCtor = this.compositeErrorRegistry.getErrorCtor(errorSchema) ?? Error;
        const exception = new ErrorCtor({});
        const output = {
          Type: errorData.Error.Type,
          Code: errorData.Error.Code,
          Error: errorData.Error
        };
        for (const [name, member] of ns.structIterator()) {
          const target = member.getMergedTraits().xmlName ?? name;
          const value = errorData[target] ?? dataObject[target];
          output[name] = this.deserializer.readSchema(member, value);
        }
        throw this.mixin.decorateServiceException(Object.assign(exception, errorMetadata, {
          $fault: ns.getMergedTraits().error,
          message
        }, output), dataObject);
      }
      loadQueryErrorCode(output, data) {
        const code = (data.Errors?.[0]?.Error ?? data.Errors?.Error ?? data.Error)?.Code;
        if (code !== void 0) {
          return code;
        }
        if (output.statusCode == 404) {
          return "NotFound";
        }
      }
      loadQueryError(data) {
        return data.Errors?.[0]?.Error ?? data.Errors?.Error ?? data.Error;
      }
      loadQueryErrorMessage(data) {
        const errorData = this.loadQueryError(data);
        return errorData?.message ?? errorData?.Message ?? data.message ?? data.Message ?? "Unknown";
      }
      getDefaultContentType() {
        return "application/x-www-form-urlencoded";
      }
    };
    var AwsEc2QueryProtocol = class extends AwsQueryProtocol {
      options;
      constructor(options) {
        super(options);
        this.options = options;
        const ec2Settings = {
          capitalizeKeys: true,
          flattenLists: true,
          serializeEmptyLists: false,
          ec2: true
        };
        Object.assign(this.serializer.settings, ec2Settings);
      }
      getShapeId() {
        return "aws.protocols#ec2Query";
      }
      useNestedResult() {
        return false;
      }
    };
    var collectBodyString = (streamBody, context) => collectBody(streamBody, context).then((body) => (context?.utf8Encoder ?? toUtf8)(body));
    var parseXmlBody = (streamBody, context) => collectBodyString(streamBody, context).then((encoded) => {
      if (encoded.length) {
        let parsedObj;
        try {
          parsedObj = parseXML2(encoded);
        } catch (e) {
          if (e && typeof e === "object") {
            Object.defineProperty(e, "$responseBodyText", {
              value: encoded
            });
          }
          throw e;
        }
        const textNodeName = "#text";
        const key = Object.keys(parsedObj)[0];
        const parsedObjToReturn = parsedObj[key];
        if (parsedObjToReturn[textNodeName]) {
          parsedObjToReturn[key] = parsedObjToReturn[textNodeName];
          delete parsedObjToReturn[textNodeName];
        }
        return getValueFromTextNode(parsedObjToReturn);
      }
      return {};
    });
    var parseXmlErrorBody = async (errorBody, context) => {
      const value = await parseXmlBody(errorBody, context);
      if (value.Error) {
        value.Error.message = value.Error.message ?? value.Error.Message;
      }
      return value;
    };
    var loadRestXmlErrorCode = (output, data) => {
      if (data?.Error?.Code !== void 0) {
        return data.Error.Code;
      }
      if (data?.Code !== void 0) {
        return data.Code;
      }
      if (output.statusCode == 404) {
        return "NotFound";
      }
    };
    var XmlShapeSerializer = class extends SerdeContextConfig {
      settings;
      stringBuffer;
      byteBuffer;
      buffer;
      constructor(settings) {
        super();
        this.settings = settings;
      }
      write(schema, value) {
        const ns = NormalizedSchema.of(schema);
        if (ns.isStringSchema() && typeof value === "string") {
          this.stringBuffer = value;
        } else if (ns.isBlobSchema()) {
          this.byteBuffer = "byteLength" in value ? value : (this.serdeContext?.base64Decoder ?? fromBase64)(value);
        } else {
          this.buffer = this.writeStruct(ns, value, void 0);
          const traits = ns.getMergedTraits();
          if (traits.httpPayload && !traits.xmlName) {
            this.buffer.withName(ns.getName());
          }
        }
      }
      flush() {
        if (this.byteBuffer !== void 0) {
          const bytes = this.byteBuffer;
          delete this.byteBuffer;
          return bytes;
        }
        if (this.stringBuffer !== void 0) {
          const str = this.stringBuffer;
          delete this.stringBuffer;
          return str;
        }
        const buffer = this.buffer;
        if (this.settings.xmlNamespace) {
          if (!buffer?.attributes?.["xmlns"]) {
            buffer.addAttribute("xmlns", this.settings.xmlNamespace);
          }
        }
        delete this.buffer;
        return buffer.toString();
      }
      writeStruct(ns, value, parentXmlns) {
        const traits = ns.getMergedTraits();
        const name = ns.isMemberSchema() && !traits.httpPayload ? ns.getMemberTraits().xmlName ?? ns.getMemberName() : traits.xmlName ?? ns.getName();
        if (!name || !ns.isStructSchema()) {
          throw new Error(`@aws-sdk/core/protocols - xml serializer, cannot write struct with empty name or non-struct, schema=${ns.getName(true)}.`);
        }
        const structXmlNode = XmlNode2.of(name);
        const [xmlnsAttr, xmlns] = this.getXmlnsAttribute(ns, parentXmlns);
        for (const [memberName, memberSchema] of ns.structIterator()) {
          const val = value[memberName];
          if (val != null || memberSchema.isIdempotencyToken()) {
            if (memberSchema.getMergedTraits().xmlAttribute) {
              structXmlNode.addAttribute(memberSchema.getMergedTraits().xmlName ?? memberName, this.writeSimple(memberSchema, val));
              continue;
            }
            if (memberSchema.isListSchema()) {
              this.writeList(memberSchema, val, structXmlNode, xmlns);
            } else if (memberSchema.isMapSchema()) {
              this.writeMap(memberSchema, val, structXmlNode, xmlns);
            } else if (memberSchema.isStructSchema()) {
              structXmlNode.addChildNode(this.writeStruct(memberSchema, val, xmlns));
            } else {
              const memberNode = XmlNode2.of(memberSchema.getMergedTraits().xmlName ?? memberSchema.getMemberName());
              this.writeSimpleInto(memberSchema, val, memberNode, xmlns);
              structXmlNode.addChildNode(memberNode);
            }
          }
        }
        const { $unknown } = value;
        if ($unknown && ns.isUnionSchema() && Array.isArray($unknown) && Object.keys(value).length === 1) {
          const [k, v] = $unknown;
          const node = XmlNode2.of(k);
          if (typeof v !== "string") {
            if (value instanceof XmlNode2 || value instanceof XmlText2) {
              structXmlNode.addChildNode(value);
            } else {
              throw new Error(`@aws-sdk - $unknown union member in XML requires value of type string, @aws-sdk/xml-builder::XmlNode or XmlText.`);
            }
          }
          this.writeSimpleInto(0, v, node, xmlns);
          structXmlNode.addChildNode(node);
        }
        if (xmlns) {
          structXmlNode.addAttribute(xmlnsAttr, xmlns);
        }
        return structXmlNode;
      }
      writeList(listMember, array, container, parentXmlns) {
        if (!listMember.isMemberSchema()) {
          throw new Error(`@aws-sdk/core/protocols - xml serializer, cannot write non-member list: ${listMember.getName(true)}`);
        }
        const listTraits = listMember.getMergedTraits();
        const listValueSchema = listMember.getValueSchema();
        const listValueTraits = listValueSchema.getMergedTraits();
        const sparse = !!listValueTraits.sparse;
        const flat = !!listTraits.xmlFlattened;
        const [xmlnsAttr, xmlns] = this.getXmlnsAttribute(listMember, parentXmlns);
        const writeItem = (container2, value) => {
          if (listValueSchema.isListSchema()) {
            this.writeList(listValueSchema, Array.isArray(value) ? value : [value], container2, xmlns);
          } else if (listValueSchema.isMapSchema()) {
            this.writeMap(listValueSchema, value, container2, xmlns);
          } else if (listValueSchema.isStructSchema()) {
            const struct = this.writeStruct(listValueSchema, value, xmlns);
            container2.addChildNode(struct.withName(flat ? listTraits.xmlName ?? listMember.getMemberName() : listValueTraits.xmlName ?? "member"));
          } else {
            const listItemNode = XmlNode2.of(flat ? listTraits.xmlName ?? listMember.getMemberName() : listValueTraits.xmlName ?? "member");
            this.writeSimpleInto(listValueSchema, value, listItemNode, xmlns);
            container2.addChildNode(listItemNode);
          }
        };
        if (flat) {
          for (const value of array) {
            if (sparse || value != null) {
              writeItem(container, value);
            }
          }
        } else {
          const listNode = XmlNode2.of(listTraits.xmlName ?? listMember.getMemberName());
          if (xmlns) {
            listNode.addAttribute(xmlnsAttr, xmlns);
          }
          for (const value of array) {
            if (sparse || value != null) {
              writeItem(listNode, value);
            }
          }
          container.addChildNode(listNode);
        }
      }
      writeMap(mapMember, map, container, parentXmlns, containerIsMap = false) {
        if (!mapMember.isMemberSchema()) {
          throw new Error(`@aws-sdk/core/protocols - xml serializer, cannot write non-member map: ${mapMember.getName(true)}`);
        }
        const mapTraits = mapMember.getMergedTraits();
        const mapKeySchema = mapMember.getKeySchema();
        const mapKeyTraits = mapKeySchema.getMergedTraits();
        const keyTag = mapKeyTraits.xmlName ?? "key";
        const mapValueSchema = mapMember.getValueSchema();
        const mapValueTraits = mapValueSchema.getMergedTraits();
        const valueTag = mapValueTraits.xmlName ?? "value";
        const sparse = !!mapValueTraits.sparse;
        const flat = !!mapTraits.xmlFlattened;
        const [xmlnsAttr, xmlns] = this.getXmlnsAttribute(mapMember, parentXmlns);
        const addKeyValue = (entry, key, val) => {
          const keyNode = XmlNode2.of(keyTag, key);
          const [keyXmlnsAttr, keyXmlns] = this.getXmlnsAttribute(mapKeySchema, xmlns);
          if (keyXmlns) {
            keyNode.addAttribute(keyXmlnsAttr, keyXmlns);
          }
          entry.addChildNode(keyNode);
          let valueNode = XmlNode2.of(valueTag);
          if (mapValueSchema.isListSchema()) {
            this.writeList(mapValueSchema, val, valueNode, xmlns);
          } else if (mapValueSchema.isMapSchema()) {
            this.writeMap(mapValueSchema, val, valueNode, xmlns, true);
          } else if (mapValueSchema.isStructSchema()) {
            valueNode = this.writeStruct(mapValueSchema, val, xmlns);
          } else {
            this.writeSimpleInto(mapValueSchema, val, valueNode, xmlns);
          }
          entry.addChildNode(valueNode);
        };
        if (flat) {
          for (const key in map) {
            const val = map[key];
            if (sparse || val != null) {
              const entry = XmlNode2.of(mapTraits.xmlName ?? mapMember.getMemberName());
              addKeyValue(entry, key, val);
              container.addChildNode(entry);
            }
          }
        } else {
          let mapNode;
          if (!containerIsMap) {
            mapNode = XmlNode2.of(mapTraits.xmlName ?? mapMember.getMemberName());
            if (xmlns) {
              mapNode.addAttribute(xmlnsAttr, xmlns);
            }
            container.addChildNode(mapNode);
          }
          for (const key in map) {
            const val = map[key];
            if (sparse || val != null) {
              const entry = XmlNode2.of("entry");
              addKeyValue(entry, key, val);
              (containerIsMap ? container : mapNode).addChildNode(entry);
            }
          }
        }
      }
      writeSimple(_schema, value) {
        if (null === value) {
          throw new Error("@aws-sdk/core/protocols - (XML serializer) cannot write null value.");
        }
        const ns = NormalizedSchema.of(_schema);
        let nodeContents = null;
        if (value && typeof value === "object") {
          if (ns.isBlobSchema()) {
            nodeContents = (this.serdeContext?.base64Encoder ?? toBase64)(value);
          } else if (ns.isTimestampSchema() && value instanceof Date) {
            const format = determineTimestampFormat(ns, this.settings);
            switch (format) {
              case 5:
                nodeContents = value.toISOString().replace(".000Z", "Z");
                break;
              case 6:
                nodeContents = dateToUtcString(value);
                break;
              case 7:
                nodeContents = String(value.getTime() / 1e3);
                break;
              default:
                console.warn("Missing timestamp format, using http date", value);
                nodeContents = dateToUtcString(value);
                break;
            }
          } else if (ns.isBigDecimalSchema() && value) {
            if (value instanceof NumericValue) {
              return value.string;
            }
            return String(value);
          } else if (ns.isMapSchema() || ns.isListSchema()) {
            throw new Error("@aws-sdk/core/protocols - xml serializer, cannot call _write() on List/Map schema, call writeList or writeMap() instead.");
          } else {
            throw new Error(`@aws-sdk/core/protocols - xml serializer, unhandled schema type for object value and schema: ${ns.getName(true)}`);
          }
        }
        if (ns.isBooleanSchema() || ns.isNumericSchema() || ns.isBigIntegerSchema() || ns.isBigDecimalSchema()) {
          nodeContents = String(value);
        }
        if (ns.isStringSchema()) {
          if (value === void 0 && ns.isIdempotencyToken()) {
            nodeContents = generateIdempotencyToken();
          } else {
            nodeContents = String(value);
          }
        }
        if (nodeContents === null) {
          throw new Error(`Unhandled schema-value pair ${ns.getName(true)}=${value}`);
        }
        return nodeContents;
      }
      writeSimpleInto(_schema, value, into, parentXmlns) {
        const nodeContents = this.writeSimple(_schema, value);
        const ns = NormalizedSchema.of(_schema);
        const content = new XmlText2(nodeContents);
        const [xmlnsAttr, xmlns] = this.getXmlnsAttribute(ns, parentXmlns);
        if (xmlns) {
          into.addAttribute(xmlnsAttr, xmlns);
        }
        into.addChildNode(content);
      }
      getXmlnsAttribute(ns, parentXmlns) {
        const traits = ns.getMergedTraits();
        const [prefix, xmlns] = traits.xmlNamespace ?? [];
        if (xmlns && xmlns !== parentXmlns) {
          return [prefix ? `xmlns:${prefix}` : "xmlns", xmlns];
        }
        return [void 0, void 0];
      }
    };
    var XmlCodec = class extends SerdeContextConfig {
      settings;
      constructor(settings) {
        super();
        this.settings = settings;
      }
      createSerializer() {
        const serializer = new XmlShapeSerializer(this.settings);
        serializer.setSerdeContext(this.serdeContext);
        return serializer;
      }
      createDeserializer() {
        const deserializer = new XmlShapeDeserializer(this.settings);
        deserializer.setSerdeContext(this.serdeContext);
        return deserializer;
      }
    };
    var AwsRestXmlProtocol = class extends HttpBindingProtocol {
      codec;
      serializer;
      deserializer;
      mixin = new ProtocolLib();
      constructor(options) {
        super(options);
        const settings = {
          timestampFormat: {
            useTrait: true,
            default: 5
          },
          httpBindings: true,
          xmlNamespace: options.xmlNamespace,
          serviceNamespace: options.defaultNamespace
        };
        this.codec = new XmlCodec(settings);
        this.serializer = new HttpInterceptingShapeSerializer(this.codec.createSerializer(), settings);
        this.deserializer = new HttpInterceptingShapeDeserializer(this.codec.createDeserializer(), settings);
      }
      getPayloadCodec() {
        return this.codec;
      }
      getShapeId() {
        return "aws.protocols#restXml";
      }
      async serializeRequest(operationSchema, input, context) {
        const request = await super.serializeRequest(operationSchema, input, context);
        const inputSchema = NormalizedSchema.of(operationSchema.input);
        if (!request.headers["content-type"]) {
          const contentType = this.mixin.resolveRestContentType(this.getDefaultContentType(), inputSchema);
          if (contentType) {
            request.headers["content-type"] = contentType;
          }
        }
        if (typeof request.body === "string" && request.headers["content-type"] === this.getDefaultContentType() && !request.body.startsWith("<?xml ") && !this.hasUnstructuredPayloadBinding(inputSchema)) {
          request.body = '<?xml version="1.0" encoding="UTF-8"?>' + request.body;
        }
        return request;
      }
      async deserializeResponse(operationSchema, context, response) {
        return super.deserializeResponse(operationSchema, context, response);
      }
      async handleError(operationSchema, context, response, dataObject, metadata) {
        const errorIdentifier = loadRestXmlErrorCode(response, dataObject) ?? "Unknown";
        this.mixin.compose(this.compositeErrorRegistry, errorIdentifier, this.options.defaultNamespace);
        if (dataObject.Error && typeof dataObject.Error === "object") {
          for (const key of Object.keys(dataObject.Error)) {
            dataObject[key] = dataObject.Error[key];
            if (key.toLowerCase() === "message") {
              dataObject.message = dataObject.Error[key];
            }
          }
        }
        if (dataObject.RequestId && !metadata.requestId) {
          metadata.requestId = dataObject.RequestId;
        }
        const { errorSchema, errorMetadata } = await this.mixin.getErrorSchemaOrThrowBaseException(errorIdentifier, this.options.defaultNamespace, response, dataObject, metadata);
        const ns = NormalizedSchema.of(errorSchema);
        const message = dataObject.Error?.message ?? dataObject.Error?.Message ?? dataObject.message ?? dataObject.Message ?? "UnknownError";
        const ErrorCtor = this.compositeErrorRegistry.getErrorCtor(errorSchema) ?? Error;
        const exception = new ErrorCtor({});
        await this.deserializeHttpMessage(errorSchema, context, response, dataObject);
        const output = {};
        const errorDeserializer = this.codec.createDeserializer();
        for (const [name, member] of ns.structIterator()) {
          const target = member.getMergedTraits().xmlName ?? name;
          const value = dataObject.Error?.[target] ?? dataObject[target];
          output[name] = errorDeserializer.readSchema(member, value);
        }
        throw this.mixin.decorateServiceException(Object.assign(exception, errorMetadata, {
          $fault: ns.getMergedTraits().error,
          message
        }, output), dataObject);
      }
      getDefaultContentType() {
        return "application/xml";
      }
      hasUnstructuredPayloadBinding(ns) {
        for (const [, member] of ns.structIterator()) {
          if (member.getMergedTraits().httpPayload) {
            return !(member.isStructSchema() || member.isMapSchema() || member.isListSchema());
          }
        }
        return false;
      }
    };
    var awsExpectUnion = (value) => {
      if (value == null) {
        return void 0;
      }
      if (typeof value === "object" && "__type" in value) {
        delete value.__type;
      }
      return expectUnion(value);
    };
    var _toStr = (val) => {
      if (val == null) {
        return val;
      }
      if (typeof val === "number" || typeof val === "bigint") {
        const warning = new Error(`Received number ${val} where a string was expected.`);
        warning.name = "Warning";
        console.warn(warning);
        return String(val);
      }
      if (typeof val === "boolean") {
        const warning = new Error(`Received boolean ${val} where a string was expected.`);
        warning.name = "Warning";
        console.warn(warning);
        return String(val);
      }
      return val;
    };
    var _toBool = (val) => {
      if (val == null) {
        return val;
      }
      if (typeof val === "string") {
        const lowercase = val.toLowerCase();
        if (val !== "" && lowercase !== "false" && lowercase !== "true") {
          const warning = new Error(`Received string "${val}" where a boolean was expected.`);
          warning.name = "Warning";
          console.warn(warning);
        }
        return val !== "" && lowercase !== "false";
      }
      return val;
    };
    var _toNum = (val) => {
      if (val == null) {
        return val;
      }
      if (typeof val === "string") {
        const num = Number(val);
        if (num.toString() !== val) {
          const warning = new Error(`Received string "${val}" where a number was expected.`);
          warning.name = "Warning";
          console.warn(warning);
          return val;
        }
        return num;
      }
      return val;
    };
    exports.AwsEc2QueryProtocol = AwsEc2QueryProtocol;
    exports.AwsJson1_0Protocol = AwsJson1_0Protocol;
    exports.AwsJson1_1Protocol = AwsJson1_1Protocol;
    exports.AwsJsonRpcProtocol = AwsJsonRpcProtocol;
    exports.AwsQueryProtocol = AwsQueryProtocol;
    exports.AwsRestJsonProtocol = AwsRestJsonProtocol;
    exports.AwsRestXmlProtocol = AwsRestXmlProtocol;
    exports.AwsSmithyRpcV2CborProtocol = AwsSmithyRpcV2CborProtocol;
    exports.AwsSmithyRpcV2JsonProtocol = AwsSmithyRpcV2JsonProtocol;
    exports.QueryShapeSerializer = QueryShapeSerializer;
    exports.XmlCodec = XmlCodec;
    exports.XmlShapeDeserializer = XmlShapeDeserializer;
    exports.XmlShapeSerializer = XmlShapeSerializer;
    exports._toBool = _toBool;
    exports._toNum = _toNum;
    exports._toStr = _toStr;
    exports.awsExpectUnion = awsExpectUnion;
    exports.loadRestXmlErrorCode = loadRestXmlErrorCode;
    exports.parseXmlBody = parseXmlBody;
    exports.parseXmlErrorBody = parseXmlErrorBody;
  }
});

// node_modules/@aws-sdk/core/dist-cjs/submodules/httpAuthSchemes/index.js
var require_httpAuthSchemes = __commonJS({
  "node_modules/@aws-sdk/core/dist-cjs/submodules/httpAuthSchemes/index.js"(exports) {
    var { ProviderError, booleanSelector, SelectorType, loadConfig } = require_config();
    var { setCredentialFeature } = require_client2();
    var { normalizeProvider, memoizeIdentityProvider, isIdentityExpired, doesIdentityRequireRefresh } = require_dist_cjs();
    var { SignatureV4 } = (init_dist_es2(), __toCommonJS(dist_es_exports2));
    var { HttpResponse, HttpRequest } = require_protocols();
    var { SMITHY_CONTEXT_KEY } = (init_dist_es(), __toCommonJS(dist_es_exports));
    var getDateHeader = (response) => HttpResponse.isInstance(response) ? response.headers?.date ?? response.headers?.Date : void 0;
    var getAgeHeader = (response) => HttpResponse.isInstance(response) ? response.headers?.age ?? response.headers?.Age : void 0;
    var getSkewCorrectedDate = (systemClockOffset) => new Date(Date.now() + systemClockOffset);
    var getUpdatedSystemClockOffset = (clockTime, currentSystemClockOffset, timeRequestSent, ageHeader) => {
      if (ageHeader !== void 0) {
        return currentSystemClockOffset;
      }
      const serverTime = Date.parse(clockTime);
      if (Number.isNaN(serverTime)) {
        return currentSystemClockOffset;
      }
      const timeResponseReceived = Date.now();
      if (timeRequestSent !== void 0 && timeResponseReceived - timeRequestSent > 9e5) {
        return currentSystemClockOffset;
      }
      return serverTime - timeResponseReceived;
    };
    var throwSigningPropertyError = (name, property) => {
      if (!property) {
        throw new Error(`Property \`${name}\` is not resolved for AWS SDK SigV4Auth`);
      }
      return property;
    };
    var hasEventStreamOutput = (signingProperties) => {
      const context = signingProperties.context;
      const eventStream = context?.[SMITHY_CONTEXT_KEY]?.eventStream;
      return eventStream?.output === true;
    };
    var validateSigningProperties = async (signingProperties) => {
      const context = throwSigningPropertyError("context", signingProperties.context);
      const config = throwSigningPropertyError("config", signingProperties.config);
      const authScheme = context.endpointV2?.properties?.authSchemes?.[0];
      const signerFunction = throwSigningPropertyError("signer", config.signer);
      const signer = await signerFunction(authScheme);
      const signingRegion = signingProperties?.signingRegion;
      const signingRegionSet = signingProperties?.signingRegionSet;
      const signingName = signingProperties?.signingName;
      return {
        config,
        signer,
        signingRegion,
        signingRegionSet,
        signingName
      };
    };
    var AwsSdkSigV4Signer = class {
      async sign(httpRequest, identity, signingProperties) {
        if (!HttpRequest.isInstance(httpRequest)) {
          throw new Error("The request is not an instance of `HttpRequest` and cannot be signed");
        }
        const validatedProps = await validateSigningProperties(signingProperties);
        const { config, signer } = validatedProps;
        let { signingRegion, signingName } = validatedProps;
        const handlerExecutionContext = signingProperties.context;
        if (handlerExecutionContext?.authSchemes?.length ?? 0 > 1) {
          const [first, second] = handlerExecutionContext.authSchemes;
          if (first?.name === "sigv4a" && second?.name === "sigv4") {
            signingRegion = second?.signingRegion ?? signingRegion;
            signingName = second?.signingName ?? signingName;
          }
        }
        const noSkewCorrection = await config.disableClockSkewCorrection?.() === true;
        signingProperties._disableClockSkewCorrection = noSkewCorrection;
        const skipSkewSampling = noSkewCorrection || hasEventStreamOutput(signingProperties);
        signingProperties._skipClockSkewSampling = skipSkewSampling;
        if (!skipSkewSampling) {
          signingProperties._preRequestSystemClockOffset = config.systemClockOffset;
          signingProperties._requestSentAt = Date.now();
        }
        const signedRequest = await signer.sign(httpRequest, {
          signingDate: noSkewCorrection ? /* @__PURE__ */ new Date() : getSkewCorrectedDate(config.systemClockOffset),
          signingRegion,
          signingService: signingName
        });
        return signedRequest;
      }
      errorHandler(signingProperties) {
        return (error) => {
          const errorException = error;
          if (!signingProperties._skipClockSkewSampling && !signingProperties._disableClockSkewCorrection) {
            const serverTime = errorException.ServerTime ?? getDateHeader(errorException.$response);
            if (serverTime) {
              const config = throwSigningPropertyError("config", signingProperties.config);
              const preRequestOffset = signingProperties._preRequestSystemClockOffset;
              const timeRequestSent = signingProperties._requestSentAt;
              const ageHeader = getAgeHeader(errorException.$response);
              const newOffset = getUpdatedSystemClockOffset(serverTime, config.systemClockOffset, timeRequestSent, ageHeader);
              config.systemClockOffset = newOffset;
              const skewExceedsThreshold = Math.abs(newOffset) >= 24e4;
              const isLocalCorrection = newOffset !== preRequestOffset;
              const isConcurrentCorrection = preRequestOffset !== void 0 && preRequestOffset !== newOffset;
              if (skewExceedsThreshold && (isLocalCorrection || isConcurrentCorrection) && errorException.$metadata) {
                errorException.$metadata.clockSkewCorrected = true;
              }
            }
          }
          throw error;
        };
      }
      successHandler(httpResponse, signingProperties) {
        if (signingProperties._skipClockSkewSampling || signingProperties._disableClockSkewCorrection) {
          return;
        }
        const dateHeader = getDateHeader(httpResponse);
        if (dateHeader) {
          const config = throwSigningPropertyError("config", signingProperties.config);
          const timeRequestSent = signingProperties._requestSentAt;
          const ageHeader = getAgeHeader(httpResponse);
          config.systemClockOffset = getUpdatedSystemClockOffset(dateHeader, config.systemClockOffset, timeRequestSent, ageHeader);
        }
      }
    };
    var AWSSDKSigV4Signer = AwsSdkSigV4Signer;
    var AwsSdkSigV4ASigner = class extends AwsSdkSigV4Signer {
      async sign(httpRequest, identity, signingProperties) {
        if (!HttpRequest.isInstance(httpRequest)) {
          throw new Error("The request is not an instance of `HttpRequest` and cannot be signed");
        }
        const { config, signer, signingRegion, signingRegionSet, signingName } = await validateSigningProperties(signingProperties);
        const configResolvedSigningRegionSet = await config.sigv4aSigningRegionSet?.();
        const multiRegionOverride = (configResolvedSigningRegionSet ?? signingRegionSet ?? [signingRegion]).join(",");
        const noSkewCorrection = await config.disableClockSkewCorrection?.() === true;
        signingProperties._disableClockSkewCorrection = noSkewCorrection;
        if (!noSkewCorrection) {
          signingProperties._preRequestSystemClockOffset = config.systemClockOffset;
          signingProperties._requestSentAt = Date.now();
        }
        const signedRequest = await signer.sign(httpRequest, {
          signingDate: noSkewCorrection ? /* @__PURE__ */ new Date() : getSkewCorrectedDate(config.systemClockOffset),
          signingRegion: multiRegionOverride,
          signingService: signingName
        });
        return signedRequest;
      }
    };
    var getArrayForCommaSeparatedString = (str) => typeof str === "string" && str.length > 0 ? str.split(",").map((item) => item.trim()) : [];
    var getBearerTokenEnvKey = (signingName) => `AWS_BEARER_TOKEN_${signingName.replace(/[\s-]/g, "_").toUpperCase()}`;
    var NODE_AUTH_SCHEME_PREFERENCE_ENV_KEY = "AWS_AUTH_SCHEME_PREFERENCE";
    var NODE_AUTH_SCHEME_PREFERENCE_CONFIG_KEY = "auth_scheme_preference";
    var NODE_AUTH_SCHEME_PREFERENCE_OPTIONS = {
      environmentVariableSelector: (env, options) => {
        if (options?.signingName) {
          const bearerTokenKey = getBearerTokenEnvKey(options.signingName);
          if (bearerTokenKey in env) {
            return ["httpBearerAuth"];
          }
        }
        if (!(NODE_AUTH_SCHEME_PREFERENCE_ENV_KEY in env)) {
          return void 0;
        }
        return getArrayForCommaSeparatedString(env[NODE_AUTH_SCHEME_PREFERENCE_ENV_KEY]);
      },
      configFileSelector: (profile) => {
        if (!(NODE_AUTH_SCHEME_PREFERENCE_CONFIG_KEY in profile)) {
          return void 0;
        }
        return getArrayForCommaSeparatedString(profile[NODE_AUTH_SCHEME_PREFERENCE_CONFIG_KEY]);
      },
      default: []
    };
    var resolveAwsSdkSigV4AConfig = (config) => {
      config.sigv4aSigningRegionSet = normalizeProvider(config.sigv4aSigningRegionSet);
      return config;
    };
    var NODE_SIGV4A_CONFIG_OPTIONS = {
      environmentVariableSelector(env) {
        if (env.AWS_SIGV4A_SIGNING_REGION_SET) {
          return env.AWS_SIGV4A_SIGNING_REGION_SET.split(",").map((_) => _.trim());
        }
        throw new ProviderError("AWS_SIGV4A_SIGNING_REGION_SET not set in env.", {
          tryNextLink: true
        });
      },
      configFileSelector(profile) {
        if (profile.sigv4a_signing_region_set) {
          return (profile.sigv4a_signing_region_set ?? "").split(",").map((_) => _.trim());
        }
        throw new ProviderError("sigv4a_signing_region_set not set in profile.", {
          tryNextLink: true
        });
      },
      default: void 0
    };
    var bindResolveAwsSdkSigV4Config = (defaultDisableClockSkewCorrection) => (config) => {
      let inputCredentials = config.credentials;
      let isUserSupplied = !!config.credentials;
      let resolvedCredentials = void 0;
      Object.defineProperty(config, "credentials", {
        set(credentials) {
          if (credentials && credentials !== inputCredentials && credentials !== resolvedCredentials) {
            isUserSupplied = true;
          }
          inputCredentials = credentials;
          const memoizedProvider = normalizeCredentialProvider(config, {
            credentials: inputCredentials,
            credentialDefaultProvider: config.credentialDefaultProvider
          });
          const boundProvider = bindCallerConfig(config, memoizedProvider);
          if (isUserSupplied && !boundProvider.attributed) {
            const isCredentialObject = typeof inputCredentials === "object" && inputCredentials !== null;
            resolvedCredentials = async (options) => {
              const creds = await boundProvider(options);
              const attributedCreds = creds;
              if (isCredentialObject && (!attributedCreds.$source || Object.keys(attributedCreds.$source).length === 0)) {
                return setCredentialFeature(attributedCreds, "CREDENTIALS_CODE", "e");
              }
              return attributedCreds;
            };
            resolvedCredentials.memoized = boundProvider.memoized;
            resolvedCredentials.configBound = boundProvider.configBound;
            resolvedCredentials.attributed = true;
          } else {
            resolvedCredentials = boundProvider;
          }
        },
        get() {
          return resolvedCredentials;
        },
        enumerable: true,
        configurable: true
      });
      config.credentials = inputCredentials;
      const { signingEscapePath = true, systemClockOffset = config.systemClockOffset || 0, sha256 } = config;
      let signer;
      if (config.signer) {
        signer = normalizeProvider(config.signer);
      } else if (config.regionInfoProvider) {
        signer = () => normalizeProvider(config.region)().then(async (region) => [
          await config.regionInfoProvider(region, {
            useFipsEndpoint: await config.useFipsEndpoint(),
            useDualstackEndpoint: await config.useDualstackEndpoint()
          }) || {},
          region
        ]).then(([regionInfo, region]) => {
          const { signingRegion, signingService } = regionInfo;
          config.signingRegion = config.signingRegion || signingRegion || region;
          config.signingName = config.signingName || signingService || config.serviceId;
          const params = {
            ...config,
            credentials: config.credentials,
            region: config.signingRegion,
            service: config.signingName,
            sha256,
            uriEscapePath: signingEscapePath
          };
          const SignerCtor = config.signerConstructor || SignatureV4;
          return new SignerCtor(params);
        });
      } else {
        signer = async (authScheme) => {
          authScheme = Object.assign({}, {
            name: "sigv4",
            signingName: config.signingName || config.defaultSigningName,
            signingRegion: await normalizeProvider(config.region)(),
            properties: {}
          }, authScheme);
          const signingRegion = authScheme.signingRegion;
          const signingService = authScheme.signingName;
          config.signingRegion = config.signingRegion || signingRegion;
          config.signingName = config.signingName || signingService || config.serviceId;
          const params = {
            ...config,
            credentials: config.credentials,
            region: config.signingRegion,
            service: config.signingName,
            sha256,
            uriEscapePath: signingEscapePath
          };
          const SignerCtor = config.signerConstructor || SignatureV4;
          return new SignerCtor(params);
        };
      }
      const resolvedConfig = Object.assign(config, {
        systemClockOffset,
        signingEscapePath,
        signer,
        disableClockSkewCorrection: normalizeProvider(config.disableClockSkewCorrection ?? defaultDisableClockSkewCorrection)
      });
      return resolvedConfig;
    };
    function normalizeCredentialProvider(config, { credentials, credentialDefaultProvider }) {
      let credentialsProvider;
      if (credentials) {
        if (!credentials?.memoized) {
          credentialsProvider = memoizeIdentityProvider(credentials, isIdentityExpired, doesIdentityRequireRefresh);
        } else {
          credentialsProvider = credentials;
        }
      } else {
        if (credentialDefaultProvider) {
          credentialsProvider = normalizeProvider(credentialDefaultProvider(Object.assign({}, config, {
            parentClientConfig: config
          })));
        } else {
          credentialsProvider = async () => {
            throw new Error("@aws-sdk/core::resolveAwsSdkSigV4Config - `credentials` not provided and no credentialDefaultProvider was configured.");
          };
        }
      }
      credentialsProvider.memoized = true;
      return credentialsProvider;
    }
    function bindCallerConfig(config, credentialsProvider) {
      if (credentialsProvider.configBound) {
        return credentialsProvider;
      }
      const fn = async (options) => credentialsProvider({ ...options, callerClientConfig: config });
      fn.memoized = credentialsProvider.memoized;
      fn.configBound = true;
      return fn;
    }
    var ENV_DISABLE_CLOCK_SKEW_CORRECTION = "AWS_DISABLE_CLOCK_SKEW_CORRECTION";
    var CONFIG_DISABLE_CLOCK_SKEW_CORRECTION = "disable_clock_skew_correction";
    var NODE_DISABLE_CLOCK_SKEW_CORRECTION_CONFIG_OPTIONS = {
      environmentVariableSelector: (env) => booleanSelector(env, ENV_DISABLE_CLOCK_SKEW_CORRECTION, SelectorType.ENV),
      configFileSelector: (profile) => booleanSelector(profile, CONFIG_DISABLE_CLOCK_SKEW_CORRECTION, SelectorType.CONFIG),
      default: false
    };
    var DEFAULT_DISABLE_CLOCK_SKEW_CORRECTION = loadConfig(NODE_DISABLE_CLOCK_SKEW_CORRECTION_CONFIG_OPTIONS);
    var resolveAwsSdkSigV4Config = bindResolveAwsSdkSigV4Config(DEFAULT_DISABLE_CLOCK_SKEW_CORRECTION);
    var resolveAWSSDKSigV4Config = resolveAwsSdkSigV4Config;
    exports.AWSSDKSigV4Signer = AWSSDKSigV4Signer;
    exports.AwsSdkSigV4ASigner = AwsSdkSigV4ASigner;
    exports.AwsSdkSigV4Signer = AwsSdkSigV4Signer;
    exports.NODE_AUTH_SCHEME_PREFERENCE_OPTIONS = NODE_AUTH_SCHEME_PREFERENCE_OPTIONS;
    exports.NODE_SIGV4A_CONFIG_OPTIONS = NODE_SIGV4A_CONFIG_OPTIONS;
    exports.getBearerTokenEnvKey = getBearerTokenEnvKey;
    exports.resolveAWSSDKSigV4Config = resolveAWSSDKSigV4Config;
    exports.resolveAwsSdkSigV4AConfig = resolveAwsSdkSigV4AConfig;
    exports.resolveAwsSdkSigV4Config = resolveAwsSdkSigV4Config;
    exports.validateSigningProperties = validateSigningProperties;
  }
});

export {
  require_protocols2 as require_protocols,
  require_httpAuthSchemes
};
