/// Bit-level conversions between `Float` and the narrow float formats stored in weight files.
///
/// Done by hand rather than through `Float16` because `Float16` is unavailable on some platforms
/// (macOS on x86-64) and BF16/FP8 have no standard library type at all. Every narrowing conversion
/// rounds to nearest, ties to even, as PyTorch and NumPy do.
package enum FloatFormats {
    /// The IEEE 754 binary16 value with bit pattern `bits`, widened exactly.
    package static func float(fromHalf bits: UInt16) -> Float {
        let sign: UInt32 = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x3FF)
        switch exponent {
        case 0:
            // Zero or subnormal: mantissa × 2⁻²⁴ is exact in Float.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        case 0x1F:
            return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
        default:
            return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
        }
    }

    /// `value` rounded to the nearest binary16 value; overflow gives infinity, NaN stays NaN.
    static func half(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16(truncatingIfNeeded: bits >> 16) & 0x8000
        let exponent = Int((bits >> 23) & 0xFF)
        let mantissa = bits & 0x7F_FFFF
        if exponent == 0xFF {
            // Keep NaN a NaN even when its payload lives only in the bits that are dropped.
            return mantissa == 0 ? sign | 0x7C00 : sign | 0x7E00 | UInt16(truncatingIfNeeded: mantissa >> 13)
        }
        let halfExponent = exponent - 127 + 15
        if halfExponent >= 0x1F { return sign | 0x7C00 }
        if halfExponent <= 0 {
            // Subnormal result: shift the full significand so one unit is 2⁻²⁴.
            let shift = 14 - halfExponent
            if shift > 24 { return sign }
            let significand = mantissa | 0x80_0000
            return sign | UInt16(truncatingIfNeeded: roundShift(significand, by: UInt32(shift)))
        }
        let combined = UInt32(halfExponent) << 23 | mantissa
        // A carry out of the mantissa correctly bumps the exponent, up to infinity.
        return sign | UInt16(truncatingIfNeeded: roundShift(combined, by: 13))
    }

    /// The bfloat16 value with bit pattern `bits`: the top half of a `Float`.
    static func float(fromBFloat bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    /// `value` rounded to the nearest bfloat16 value; NaN stays NaN.
    static func bfloat(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN { return UInt16(truncatingIfNeeded: bits >> 16) | 0x40 }
        return UInt16(truncatingIfNeeded: roundShift(bits, by: 16))
    }

    /// The FP8 E4M3FN value (bias 7, no infinities, `S.1111.111` is NaN) with bit pattern `bits`.
    static func float(fromE4M3 bits: UInt8) -> Float {
        let negative = bits & 0x80 != 0
        let exponent = Int((bits >> 3) & 0x0F)
        let mantissa = Float(bits & 0x07)
        let magnitude: Float
        if exponent == 0x0F && bits & 0x07 == 0x07 {
            return .nan
        } else if exponent == 0 {
            magnitude = mantissa * 0x1p-9
        } else {
            magnitude = (1 + mantissa / 8) * Float(sign: .plus, exponent: exponent - 7, significand: 1)
        }
        return negative ? -magnitude : magnitude
    }

    /// The FP8 E5M2 value with bit pattern `bits`: the top byte of a binary16.
    static func float(fromE5M2 bits: UInt8) -> Float {
        float(fromHalf: UInt16(bits) << 8)
    }

    /// `value >> shift`, rounded to nearest with ties to even.
    private static func roundShift(_ value: UInt32, by shift: UInt32) -> UInt32 {
        let kept = value >> shift
        let remainder = value & ((1 << shift) - 1)
        let half: UInt32 = 1 << (shift - 1)
        return remainder > half || (remainder == half && kept & 1 == 1) ? kept + 1 : kept
    }
}
