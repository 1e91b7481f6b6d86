import DPWallPrivacy
import DPWallRecords

/// Writes released bodies: each checked output in the protocol and nesting it came in, its values
/// post-processed as the policy says. Raw model outputs never reach a message, only this writer.
enum ReleaseWriter {
    /// Appends the released response body.
    static func writeResponse(
        _ view: JSONView, _ checker: BodyChecker, model: ModelRuntime, into out: inout JSONWriter
    ) {
        let released = checker.values
        let body = checker.body
        switch (body.format, body.rowFormat) {
        case (.v2, _):
            out.append(raw: "{\"model_name\":")
            if body.modelName >= 0 {
                out.append(raw: raw(view, body.modelName))
            } else {
                out.appendString(model.name)
            }
            if body.modelVersion >= 0 {
                out.append(raw: ",\"model_version\":")
                out.append(raw: raw(view, body.modelVersion))
            }
            if body.bodyID >= 0 {
                out.append(raw: ",\"id\":")
                out.append(raw: raw(view, body.bodyID))
            }
            out.append(raw: ",\"outputs\":[")
            for (n, tensor) in checker.checked.enumerated() {
                if n > 0 { out.appendByte(UInt8(ascii: ",")) }
                let rule = model.outputRules[tensor.declared]
                out.append(raw: "{\"name\":")
                out.appendString(model.outputNames[tensor.declared])
                if rule.labelOnly {
                    writeLabels(checker, tensor, released, nested: tensor.nested, into: &out)
                    continue
                }
                out.append(raw: ",\"datatype\":")
                out.appendString(rule.datatype.rawValue)
                out.append(raw: ",\"shape\":[")
                for axis in 0..<tensor.rank {
                    if axis > 0 { out.appendByte(UInt8(ascii: ",")) }
                    out.append(checker.dims[tensor.dimsStart + axis])
                }
                out.append(raw: "],\"data\":")
                if tensor.nested {
                    let dims = checker.dims[tensor.dimsStart..<(tensor.dimsStart + tensor.rank)]
                    writeNested(view, checker, tensor, released, dims: dims, first: 0, into: &out)
                } else {
                    out.appendByte(UInt8(ascii: "["))
                    for k in 0..<tensor.count {
                        if k > 0 { out.appendByte(UInt8(ascii: ",")) }
                        writeElement(view, checker, tensor, released, k, into: &out)
                    }
                    out.appendByte(UInt8(ascii: "]"))
                }
                out.appendByte(UInt8(ascii: "}"))
            }
            out.append(raw: "]}")
        case (.tfserving, true):
            out.append(raw: "{\"predictions\":[")
            let rows = checker.batch ?? 0
            for row in 0..<rows {
                if row > 0 { out.appendByte(UInt8(ascii: ",")) }
                if body.named { out.appendByte(UInt8(ascii: "{")) }
                for (n, tensor) in checker.checked.enumerated() {
                    if body.named { writeMemberName(model.outputNames[tensor.declared], first: n == 0, into: &out) }
                    if model.outputRules[tensor.declared].labelOnly {
                        out.appendByte(UInt8(ascii: "["))
                        out.append(Int(released[tensor.valuesStart + row]))
                        out.appendByte(UInt8(ascii: "]"))
                        continue
                    }
                    let rowDims = checker.dims[(tensor.dimsStart + 1)..<(tensor.dimsStart + tensor.rank)]
                    let rowSize = rowDims.reduce(1, *)
                    writeNested(view, checker, tensor, released, dims: rowDims, first: row * rowSize, into: &out)
                }
                if body.named { out.appendByte(UInt8(ascii: "}")) }
            }
            out.append(raw: "]}")
        case (.tfserving, false):
            out.append(raw: "{\"outputs\":")
            if body.named { out.appendByte(UInt8(ascii: "{")) }
            for (n, tensor) in checker.checked.enumerated() {
                if body.named { writeMemberName(model.outputNames[tensor.declared], first: n == 0, into: &out) }
                if model.outputRules[tensor.declared].labelOnly {
                    writeLabelData(checker, tensor, released, nested: true, into: &out)
                    continue
                }
                let dims = checker.dims[tensor.dimsStart..<(tensor.dimsStart + tensor.rank)]
                writeNested(view, checker, tensor, released, dims: dims, first: 0, into: &out)
            }
            if body.named { out.appendByte(UInt8(ascii: "}")) }
            out.appendByte(UInt8(ascii: "}"))
        }
    }

    /// The rest of a v2 label-only tensor after its name: INT64, shape [batch, 1], one class index per row.
    private static func writeLabels(
        _ checker: BodyChecker, _ tensor: CheckedTensor, _ released: [Double], nested: Bool,
        into out: inout JSONWriter
    ) {
        let rows = checker.batch ?? 1
        out.append(raw: ",\"datatype\":\"INT64\",\"shape\":[")
        out.append(rows)
        out.append(raw: ",1],\"data\":")
        writeLabelData(checker, tensor, released, nested: nested, into: &out)
        out.appendByte(UInt8(ascii: "}"))
    }

    /// The labels of every row: `[[a],[b]]` nested, `[a,b]` flat.
    private static func writeLabelData(
        _ checker: BodyChecker, _ tensor: CheckedTensor, _ released: [Double], nested: Bool,
        into out: inout JSONWriter
    ) {
        let rows = checker.batch ?? 1
        out.appendByte(UInt8(ascii: "["))
        for row in 0..<rows {
            if row > 0 { out.appendByte(UInt8(ascii: ",")) }
            if nested { out.appendByte(UInt8(ascii: "[")) }
            out.append(Int(released[tensor.valuesStart + row]))
            if nested { out.appendByte(UInt8(ascii: "]")) }
        }
        out.appendByte(UInt8(ascii: "]"))
    }

    /// Writes `"name":` (after a comma unless it is the first member).
    private static func writeMemberName(_ name: String, first: Bool, into out: inout JSONWriter) {
        if !first { out.appendByte(UInt8(ascii: ",")) }
        out.appendString(name)
        out.appendByte(UInt8(ascii: ":"))
    }

    private static func raw(_ view: JSONView, _ node: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: view.bytes[view.rawRange(node)])
    }

    /// Writes elements `first…` of a tensor nested as `dims` (a scalar when `dims` is empty).
    private static func writeNested(
        _ view: JSONView, _ checker: BodyChecker, _ tensor: CheckedTensor, _ released: [Double],
        dims: ArraySlice<Int>, first: Int, into out: inout JSONWriter
    ) {
        guard let size = dims.first else {
            writeElement(view, checker, tensor, released, first, into: &out)
            return
        }
        let inner = dims.dropFirst()
        let stride = inner.reduce(1, *)
        out.appendByte(UInt8(ascii: "["))
        for k in 0..<size {
            if k > 0 { out.appendByte(UInt8(ascii: ",")) }
            if inner.isEmpty {
                writeElement(view, checker, tensor, released, first + k, into: &out)
            } else {
                writeNested(view, checker, tensor, released, dims: inner, first: first + k * stride, into: &out)
            }
        }
        out.appendByte(UInt8(ascii: "]"))
    }

    private static func writeElement(
        _ view: JSONView, _ checker: BodyChecker, _ tensor: CheckedTensor, _ released: [Double], _ k: Int,
        into out: inout JSONWriter
    ) {
        switch tensor.style {
        case .asFloat: out.append(fp32(released[tensor.valuesStart + k]))
        case .asDouble: out.append(released[tensor.valuesStart + k])
        case .asNarrow(let format): out.append(format.round(released[tensor.valuesStart + k]))
        case .asRounded(let decimals): out.append(released[tensor.valuesStart + k], decimals: decimals)
        case .asText: out.append(raw: raw(view, checker.leaves[tensor.leavesStart + k]))
        }
    }

    /// `value` (finite) as an FP32, saturating at ±`Float.greatestFiniteMagnitude`: a clamp wider than FP32's
    /// range, or noise past its end, would otherwise give an infinity, which JSON cannot hold. Post-processing of
    /// a released value, so it costs no privacy.
    static func fp32(_ value: Double) -> Float {
        let narrowed = Float(value)
        guard narrowed.isInfinite else { return narrowed }
        return value < 0 ? -.greatestFiniteMagnitude : .greatestFiniteMagnitude
    }
}
