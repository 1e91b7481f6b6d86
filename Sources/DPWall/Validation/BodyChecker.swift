import DPWallPrivacy
import DPWallRecords
import Foundation

/// One checked tensor of a body, ready to be released (outputs) or forwarded (inputs).
struct CheckedTensor {
    /// Index of the tensor's declaration.
    var declared: Int
    /// Its actual shape, in ``BodyChecker/dims`` from `dimsStart`, `rank` axes.
    var dimsStart: Int
    var rank: Int
    /// Its floating-point values (after conversion to the datatype), in ``BodyChecker/values`` from `valuesStart`.
    var valuesStart: Int
    /// Its leaf nodes, for non-floating-point outputs copied as validated text, in ``BodyChecker/leaves``.
    var leavesStart: Int
    /// Number of elements.
    var count: Int
    /// v2: whether `data` was written nested (the release keeps the form).
    var nested: Bool
    /// How elements are written when released.
    var style: ElementStyle

    /// How a released element is written.
    enum ElementStyle {
        /// The shortest text of the FP32 value (an unrounded FP32 output).
        case asFloat
        /// The shortest text of the double (FP64).
        case asDouble
        /// The double nearest the value in the narrow format, which holds it exactly (an unrounded FP16 or BF16
        /// output, so that a client decoding it gets what was released).
        case asNarrow(NarrowFormat)
        /// A value rounded to this many decimals by the policy, written as that decimal.
        case asRounded(Int)
        /// The validated source text (integers, booleans, strings), copied as it was.
        case asText
    }
}

/// Checks one request or response body against a model's declarations (docs/records.md, "The checks, in order"): tensor
/// names, element counts, shapes, batch limits, datatypes, values, ranges and text rules, reporting the problem
/// that the spec's order ranks first, with its path. Buffers are reused from record to record.
struct BodyChecker {
    private(set) var body = DecodedBody()
    private(set) var checked: [CheckedTensor] = []
    private(set) var dims: [Int] = []
    private(set) var values: [Double] = []
    private(set) var leaves: [Int] = []
    /// Batch size of the body (rows on the first axis), or nil for a body with no tensors.
    private(set) var batch: Int?
    private var collector = ErrorCollector()
    private let decoder = BodyDecoder()
    /// Per declared tensor, the ``generation`` of the last body that named it: no clearing per body.
    private var seen: [UInt32] = []
    /// Counts checked bodies (never 0, so a fresh stamp of 0 is never "seen").
    private var generation: UInt32 = 0
    private var text: [UInt8] = []

    /// Checks `bodyNode`; returns the first problem by the spec's order, or nil. `keep` stores output values.
    mutating func check(
        _ view: JSONView, _ bodyNode: Int, side: BodySide, model: ModelRuntime, keepValues: Bool,
        required: [Bool]? = nil
    ) -> RecordError? {
        checked.removeAll(keepingCapacity: true)
        dims.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        leaves.removeAll(keepingCapacity: true)
        collector.reset()
        batch = nil
        let format = model.fixedFormat ?? decoder.detect(view, bodyNode, side: side)
        do {
            try decoder.decode(
                view, bodyNode, side: side, format: format, declared: model.declared(side), into: &body)
        } catch {
            return error
        }
        let declared = model.declared(side)
        if seen.count < declared.count { seen.append(contentsOf: repeatElement(0, count: declared.count - seen.count)) }
        generation &+= 1
        if generation == 0 {
            generation = 1
            seen.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        }
        for t in body.tensors.indices {
            checkTensor(view, t, side: side, model: model, keepValues: keepValues)
        }
        for index in (0..<declared.count) where seen[index] != generation && (required?[index] ?? true) {
            let what = side == .request ? "input" : "output"
            collector.report(
                Self.code(side, .invalidTensor),
                "\(side.name): missing declared \(what) \"\(declared.names[index])\" of model \(model.name)")
            break
        }
        return collector.first
    }

    private static func code(_ side: BodySide, _ code: DenialCode) -> DenialCode {
        side == .response ? .invalidResponse : code
    }

    private mutating func checkTensor(
        _ view: JSONView, _ t: Int, side: BodySide, model: ModelRuntime, keepValues: Bool
    ) {
        let what = side == .request ? "input" : "output"
        guard let index = body.tensors[t].declared else {
            let name = body.tensors[t].nameNode >= 0 ? view.quoted(body.tensors[t].nameNode) : "(unnamed)"
            collector.report(
                Self.code(side, .invalidTensor),
                "\(body.tensors[t].path): \(name) is not a declared \(what) of \(model.name)")
            return
        }
        if seen[index] == generation {
            collector.report(
                Self.code(side, .invalidTensor),
                "\(body.tensors[t].path): \(what) \"\(model.declared(side).names[index])\" appears twice")
            return
        }
        seen[index] = generation
        let rule = model.rule(side, index)
        let dimsStart = dims.count
        var nested = false
        // Element count and nesting (invalid_tensor before invalid_shape).
        if body.format == .v2 {
            guard readShape(view, body.tensors[t].shapeNode, tensor: t, side: side) else { return }
            let data = body.tensors[t].data
            let product = dims[dimsStart...].reduce(1, *)
            // Flat data (no element is a container) takes exactly one tape node per element: O(1) to tell.
            nested = view.next(data) - data - 1 != view.count(data)
            let fits = nested ? NestedData.matches(view, data, dims[dimsStart...]) : view.count(data) == product
            if !fits {
                // Which problem it is decides the code: an element count off the shape's product ranks first.
                let count = nested ? NestedData.leafCount(view, data) : view.count(data)
                if count != product {
                    collector.report(
                        Self.code(side, .invalidTensor),
                        "\(body.tensors[t].path).data: \(count) elements, but shape "
                            + "\(Self.shapeText(dims[dimsStart...])) needs \(product)")
                } else {
                    collector.report(
                        Self.code(side, .invalidShape),
                        "\(body.tensors[t].path).data: nested data is not rectangular or does not match shape "
                            + Self.shapeText(dims[dimsStart...]))
                }
                return
            }
        } else if body.tensors[t].data >= 0 {
            NestedData.inferShape(view, body.tensors[t].data, into: &dims)
            if !NestedData.matches(view, body.tensors[t].data, dims[dimsStart...]) {
                collector.report(
                    Self.code(side, .invalidShape), "\(body.tensors[t].path): nested data is ragged (not rectangular)")
                return
            }
        } else {
            dims.append(body.tensors[t].rows.count)
            if let first = body.tensors[t].rows.first { NestedData.inferShape(view, first, into: &dims) }
            for (row, node) in body.tensors[t].rows.enumerated()
            where !NestedData.matches(view, node, dims[(dimsStart + 1)...]) {
                collector.report(
                    Self.code(side, .invalidShape),
                    "\(body.tensors[t].path) row \(row): nested data is ragged (not rectangular)"
                )
                return
            }
        }
        let rank = dims.count - dimsStart
        // Shape against the declaration, and the batch.
        guard collector.wants(Self.code(side, .invalidShape)) else { return }
        let matchesDeclaration = model.shapeMatches(rule, dims[dimsStart..<(dimsStart + rank)])
        if !matchesDeclaration {
            collector.report(
                Self.code(side, .invalidShape),
                "\(body.tensors[t].path): shape \(Self.shapeText(dims[dimsStart...])) does not match the declared "
                    + "\(model.shape(of: rule))")
            return
        }
        let rows = rank > 0 ? dims[dimsStart] : 1
        if rows > model.maxBatch {
            collector.report(
                Self.code(side, .invalidShape),
                "\(body.tensors[t].path): batch of \(rows) rows exceeds max_batch \(model.maxBatch) of \(model.name)")
            return
        }
        if let batch, batch != rows {
            collector.report(
                Self.code(side, .invalidShape),
                "\(body.tensors[t].path): batch of \(rows) rows differs from \(batch) in another tensor")
            return
        }
        batch = rows
        // Datatype.
        guard collector.wants(Self.code(side, .invalidDatatype)) else { return }
        if body.tensors[t].datatypeNode >= 0 && !view.stringEquals(body.tensors[t].datatypeNode, rule.datatype.wireName)
        {
            collector.report(
                Self.code(side, .invalidDatatype),
                "\(body.tensors[t].path).datatype: \(view.quoted(body.tensors[t].datatypeNode)) differs from the declared "
                    + rule.datatype.rawValue)
            return
        }
        let valuesStart = values.count
        let leavesStart = leaves.count
        let count: Int
        if body.tensors[t].data >= 0 {
            count = checkElements(
                view, body.tensors[t].data, first: 0, rule: rule, side: side, model: model, index: index,
                tensor: t, keep: keepValues)
        } else {
            var next = 0
            for row in body.tensors[t].rows {
                next = checkElements(
                    view, row, first: next, rule: rule, side: side, model: model, index: index,
                    tensor: t, keep: keepValues)
                if next < 0 { break }
            }
            count = next
        }
        guard count >= 0 else { return }
        let style: CheckedTensor.ElementStyle
        if !rule.datatype.isFloatingPoint {
            style = .asText
        } else if side == .response, rule.roundDecimals >= 0 {
            style = .asRounded(rule.roundDecimals)
        } else if rule.datatype == .fp32 {
            style = .asFloat
        } else if rule.datatype == .fp16 {
            style = .asNarrow(.binary16)
        } else if rule.datatype == .bf16 {
            style = .asNarrow(.bfloat16)
        } else {
            style = .asDouble
        }
        checked.append(
            CheckedTensor(
                declared: index, dimsStart: dimsStart, rank: rank, valuesStart: valuesStart,
                leavesStart: leavesStart, count: count, nested: nested, style: style))
    }

    /// Runs `body` on the kept values of row `row` of `tensor`, `rowLength` values per row, in place.
    mutating func withRow<T>(
        _ tensor: CheckedTensor, row: Int, rowLength: Int, _ body: (UnsafeMutableBufferPointer<Double>) -> T
    ) -> T {
        let start = tensor.valuesStart + row * rowLength
        return values.withUnsafeMutableBufferPointer { all in
            body(UnsafeMutableBufferPointer(rebasing: all[start..<(start + rowLength)]))
        }
    }

    /// Replaces kept value `index` (a label-only release stores row r's label at `valuesStart + r`).
    mutating func setValue(_ value: Double, at index: Int) { values[index] = value }

    /// Reads a v2 `shape` into ``dims``; false (with the problem reported) when it is not non-negative integers.
    /// A plain loop over the tape: a short non-negative integer (the usual axis) is read off its node.
    private mutating func readShape(_ view: JSONView, _ shapeNode: Int, tensor t: Int, side: BodySide) -> Bool {
        var product = 1
        var axis = shapeNode &+ 1
        for position in 0..<view.count(shapeNode) {
            let node = view.nodes[axis]
            let value: Int
            let plain = JSONNode.hasShortValue | JSONNode.isInteger
            if node.kind == .number && node.flags & (plain | JSONNode.isNegative) == plain {
                value = Int(node.count)
            } else if view.kind(axis) == .number, let wide = view.int64(axis), wide >= 0 {
                value = Int(wide)
            } else {
                value = -1
            }
            guard value >= 0, value <= Int(Int32.max) else {
                collector.report(
                    Self.code(side, .invalidShape),
                    "\(body.tensors[t].path).shape[\(position)]: must be a non-negative integer, got \(view.quoted(axis))"
                )
                return false
            }
            let (next, overflow) = product.multipliedReportingOverflow(by: value)
            if overflow || next > 1 << 40 {
                collector.report(Self.code(side, .invalidShape), "\(body.tensors[t].path).shape: too many elements")
                return false
            }
            product = next
            dims.append(value)
            axis = view.next(axis)
        }
        return true
    }

    /// A shape from the input as a message shows it: at most its first 6 dimensions (records.md: a message never
    /// echoes more than 64 bytes of the input; a shape of 340,000 ones made a message of a megabyte, kept in the
    /// ledger for a day as the record's decision).
    static func shapeText(_ dims: ArraySlice<Int>) -> String {
        let shown = dims.prefix(6).map(String.init).joined(separator: ", ")
        return dims.count > 6 ? "[\(shown), … (\(dims.count) dimensions)]" : "[\(shown)]"
    }

    /// Checks the leaves under `node` against the datatype and the value rules; returns the next flat index,
    /// or -1 after reporting a problem.
    private mutating func checkElements(
        _ view: JSONView, _ node: Int, first: Int, rule: TensorRule, side: BodySide, model: ModelRuntime, index: Int,
        tensor: Int, keep: Bool
    ) -> Int {
        if rule.datatype.isFloatingPoint {
            return checkFloats(view, node, first: first, rule: rule, side: side, tensor: tensor, keep: keep)
        }
        var failed = false
        let datatype = rule.datatype
        let range: ClosedRange<Double>? = rule.low == -.infinity && rule.high == .infinity ? nil : rule.low...rule.high
        let end = NestedData.forEachLeaf(view, node, firstIndex: first) { leaf, position in
            switch datatype {
            case .bool:
                guard view.kind(leaf) == .true || view.kind(leaf) == .false else {
                    failed = report(
                        side, .invalidDatatype, tensor, position, "\(view.quoted(leaf)) is not BOOL (true or false)")
                    return false
                }
                if keep { leaves.append(leaf) }
                return true
            case .bytes:
                return checkText(
                    view, leaf, rule: rule, side: side, model: model, index: index, tensor: tensor, position: position,
                    keep: keep, failed: &failed)
            default:
                return checkInteger(view, leaf, datatype, range, side, tensor, position, keep, &failed)
            }
        }
        return failed ? -1 : end
    }

    /// The hot path for floating-point tensors: one loop over the leaves, on local buffers (no closure, no
    /// exclusivity checks per element). Same rules and messages as the general path.
    private mutating func checkFloats(
        _ view: JSONView, _ node: Int, first: Int, rule: TensorRule, side: BodySide, tensor: Int, keep: Bool
    ) -> Int {
        let datatype = rule.datatype
        let low = rule.low
        let high = rule.high
        var kept: [Double] = []
        swap(&kept, &values)
        let (position, found) = FloatElements.read(
            view, node, first: first, datatype: datatype, low: low, high: high, keep: keep, into: &kept)
        swap(&kept, &values)
        guard let (problem, leaf) = found else { return position }
        let quoted = view.quoted(leaf)
        switch problem {
        case .notANumber:
            _ = report(side, .invalidDatatype, tensor, position, "\(quoted) is not \(datatype.rawValue)")
        case .notRepresentable:
            _ = report(side, .outOfRange, tensor, position, "\(quoted) is not representable as \(datatype.rawValue)")
        case .outsideRange:
            _ = report(
                side, .outOfRange, tensor, position, "\(quoted) is outside [\(Self.format(low)), \(Self.format(high))]")
        }
        return -1
    }

    private mutating func checkInteger(
        _ view: JSONView, _ leaf: Int, _ datatype: TensorDatatype, _ range: ClosedRange<Double>?, _ side: BodySide,
        _ tensor: Int, _ position: Int, _ keep: Bool, _ failed: inout Bool
    ) -> Bool {
        let name = datatype.rawValue
        guard view.kind(leaf) == .number else {
            failed = report(side, .invalidDatatype, tensor, position, "\(view.quoted(leaf)) is not \(name)")
            return false
        }
        guard view.isInteger(leaf) else {
            failed = report(
                side, .invalidDatatype, tensor, position,
                "\(view.quoted(leaf)) is not \(name) (integers are written without fraction or exponent)")
            return false
        }
        let bounds = datatype.integerBounds!
        let value: Double
        if view.isNegative(leaf) {
            guard let signed = view.int64(leaf) else {
                failed = report(
                    side, .outOfRange, tensor, position, "\(view.quoted(leaf)) is not representable as \(name)")
                return false
            }
            guard signed >= bounds.min else {
                failed = report(
                    side, .invalidDatatype, tensor, position,
                    "\(view.quoted(leaf)) is not \(name) (below \(bounds.min))")
                return false
            }
            value = Double(signed)
        } else {
            guard let unsigned = view.uint64(leaf) else {
                failed = report(
                    side, .outOfRange, tensor, position, "\(view.quoted(leaf)) is not representable as \(name)")
                return false
            }
            guard unsigned <= bounds.max else {
                let message = "\(view.quoted(leaf)) is not \(name) (above \(bounds.max))"
                failed = report(
                    side, bounds.max == UInt64.max || bounds.max == UInt64(Int64.max) ? .outOfRange : .invalidDatatype,
                    tensor, position, message)
                return false
            }
            value = Double(unsigned)
        }
        if let range, !range.contains(value) {
            failed = report(
                side, .outOfRange, tensor, position,
                "\(view.quoted(leaf)) is outside [\(Self.format(range.lowerBound)), \(Self.format(range.upperBound))]")
            return false
        }
        if keep { leaves.append(leaf) }
        return true
    }

    private mutating func checkText(
        _ view: JSONView, _ leaf: Int, rule: TensorRule, side: BodySide, model: ModelRuntime, index: Int,
        tensor: Int,
        position: Int, keep: Bool, failed: inout Bool
    ) -> Bool {
        text.removeAll(keepingCapacity: true)
        if view.kind(leaf) == .string {
            view.appendUnescaped(leaf, to: &text)
        } else if body.format == .tfserving, view.kind(leaf) == .object, view.count(leaf) == 1,
            view.stringEquals(leaf + 1, "b64"), view.kind(leaf + 2) == .string
        {
            guard let decoded = Data(base64Encoded: view.string(leaf + 2)) else {
                failed = report(side, .invalidDatatype, tensor, position, "\"b64\" is not valid base64")
                return false
            }
            text.append(contentsOf: decoded)
        } else {
            failed = report(side, .invalidDatatype, tensor, position, "\(view.quoted(leaf)) is not BYTES (a string)")
            return false
        }
        if text.count > rule.maxLength {
            let limit = rule.maxLength
            failed = report(
                side, .invalidText, tensor, position, "text of \(text.count) bytes exceeds max_length \(limit)")
            return false
        }
        let patterns = model.denyPatterns(side, index)
        if !patterns.isEmpty {
            let string = String(decoding: text, as: UTF8.self)
            for (number, pattern) in patterns.enumerated() where (try? pattern.firstMatch(in: string)) != nil {
                failed = report(
                    side, .invalidText, tensor, position,
                    "text matches deny pattern \(number) of \(model.declared(side).names[index])")
                return false
            }
        }
        if keep { leaves.append(leaf) }
        return true
    }

    /// Reports an element problem at element `position` of tensor `tensor` (an index into the body's tensors, whose
    /// path is built only here); returns true for `failed`.
    private mutating func report(
        _ side: BodySide, _ problem: DenialCode, _ tensor: Int, _ position: Int, _ message: String
    ) -> Bool {
        collector.report(Self.code(side, problem), "\(body.tensors[tensor].path.element(position)): \(message)")
        return true
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() && value.magnitude < 1e15 ? String(Int64(value)) : String(value)
    }
}
