/// Decodes request and response bodies of both wire protocols into ``BodyTensor``s (records.md, "Bodies").
///
/// The protocol is detected from the body's keys unless fixed by the policy. Only structure is checked here:
/// names, shapes, datatypes and values are checked against the declaration by the validator.
package struct BodyDecoder {
    /// Name tables of the v2 protocol, one set per decoder: shared tables would bounce their reference counts
    /// between the cores deciding records at the same time.
    private let v2RequestKeys = NameTable(["inputs", "id", "parameters", "outputs"])
    private let v2ResponseKeys = NameTable(["outputs", "id", "parameters", "model_name", "model_version"])
    private let v2TensorKeys = NameTable(["name", "shape", "datatype", "data", "parameters"])

    /// A decoder with its own name tables.
    package init() {}

    /// The keys that tell the protocols apart.
    private let detectionKeys = NameTable(["instances", "predictions", "inputs", "outputs", "model_name"])

    /// Detects the protocol of a body: `instances`/`predictions` or a non-tensor `inputs`/`outputs` is TF Serving.
    package func detect(_ view: JSONView, _ body: Int, side: BodySide) -> WireFormat {
        let request = side == .request
        var list = -1
        var modelName = false
        var rows = false
        view.forEachMember(of: body) { key, value in
            switch detectionKeys.index(of: key, in: view) {
            case 0: rows = rows || request
            case 1: rows = rows || !request
            case 2 where request, 3 where !request: list = value
            case 4: modelName = modelName || !request
            default: break
            }
            return true
        }
        if rows { return .tfserving }
        if modelName { return .v2 }
        guard list >= 0 else { return .v2 }
        if view.kind(list) == .array, view.count(list) > 0, view.kind(list + 1) == .object,
            view.member(of: list + 1, "datatype") != nil || view.member(of: list + 1, "shape") != nil
        {
            return .v2
        }
        return view.kind(list) == .array && view.count(list) == 0 ? .v2 : .tfserving
    }

    /// Decodes `body` (an object node) as `format`.
    package func decode(
        _ view: JSONView, _ body: Int, side: BodySide, format: WireFormat, declared: DeclaredTensors,
        into out: inout DecodedBody
    ) throws(RecordError) {
        out.tensors.removeAll(keepingCapacity: true)
        out.format = format
        out.rowFormat = false
        out.named = false
        out.modelName = -1
        out.modelVersion = -1
        out.bodyID = -1
        out.requestedOutputs = -1
        switch format {
        case .v2: try decodeV2(view, body, side: side, declared: declared, into: &out)
        case .tfserving: try Self.decodeTF(view, body, side: side, declared: declared, into: &out)
        }
    }

    // MARK: Open Inference Protocol v2

    private func decodeV2(
        _ view: JSONView, _ body: Int, side: BodySide, declared: DeclaredTensors, into out: inout DecodedBody
    ) throws(RecordError) {
        let listKey = side == .request ? "inputs" : "outputs"
        var list = -1
        var problem: RecordError?
        view.forEachMember(of: body) { key, value in
            let known =
                side == .request ? v2RequestKeys.index(of: key, in: view) : v2ResponseKeys.index(of: key, in: view)
            switch known {
            case 0:  // inputs / outputs
                list = value
            case 1:  // id
                out.bodyID = value
                if view.kind(value) != .string { problem = Self.wrongType(side, "id", "a string", view, value) }
            case 2:  // parameters
                if view.kind(value) != .object {
                    problem = Self.wrongType(side, "parameters", "an object", view, value)
                }
            case 3 where side == .request:  // outputs
                out.requestedOutputs = value
                if view.kind(value) != .array { problem = Self.wrongType(side, "outputs", "an array", view, value) }
            case 3:  // model_name
                out.modelName = value
                if view.kind(value) != .string { problem = Self.wrongType(side, "model_name", "a string", view, value) }
            case 4:  // model_version
                out.modelVersion = value
                if view.kind(value) != .string {
                    problem = Self.wrongType(side, "model_version", "a string", view, value)
                }
            default:
                problem = RecordError(
                    side.structureCode, "\(side.name): unknown key \(view.quoted(key)) for the v2 protocol")
            }
            return problem == nil
        }
        if let problem { throw problem }
        guard list >= 0 else {
            throw RecordError(side.structureCode, "\(side.name): missing \"\(listKey)\"")
        }
        guard view.kind(list) == .array else {
            throw Self.wrongType(side, listKey, "an array", view, list)
        }
        var failure: RecordError?
        view.forEachElement(of: list) { position, element in
            let path = TensorPath(side: side, form: .v2(position: position))
            do throws(RecordError) {
                out.tensors.append(try v2Tensor(view, element, path: path, side: side, declared: declared))
                return true
            } catch {
                failure = error
                return false
            }
        }
        if let failure { throw failure }
    }

    private func v2Tensor(
        _ view: JSONView, _ node: Int, path: TensorPath, side: BodySide, declared: DeclaredTensors
    ) throws(RecordError) -> BodyTensor {
        guard view.kind(node) == .object else {
            throw RecordError(side.tensorCode, "\(path): a tensor must be an object, got \(view.kind(node).article)")
        }
        var tensor = BodyTensor(path: path, declared: nil)
        var problem: RecordError?
        view.forEachMember(of: node) { key, value in
            switch v2TensorKeys.index(of: key, in: view) {
            case 0:
                tensor.nameNode = value
                if view.kind(value) != .string { problem = Self.wrongType(side, path, "name", "a string", view, value) }
            case 1:
                tensor.shapeNode = value
                if view.kind(value) != .array { problem = Self.wrongType(side, path, "shape", "an array", view, value) }
            case 2:
                tensor.datatypeNode = value
                if view.kind(value) != .string {
                    problem = Self.wrongType(side, path, "datatype", "a string", view, value)
                }
            case 3:
                tensor.data = value
                if view.kind(value) != .array { problem = Self.wrongType(side, path, "data", "an array", view, value) }
            case 4:
                if view.kind(value) != .object {
                    problem = Self.wrongType(side, path, "parameters", "an object", view, value)
                }
            default:
                problem = RecordError(side.tensorCode, "\(path): unknown key \(view.quoted(key)) in a v2 tensor")
            }
            return problem == nil
        }
        if let problem { throw problem }
        if tensor.nameNode < 0 || tensor.shapeNode < 0 || tensor.datatypeNode < 0 || tensor.data < 0 {
            let missing =
                tensor.nameNode < 0
                ? "name" : tensor.shapeNode < 0 ? "shape" : tensor.datatypeNode < 0 ? "datatype" : "data"
            throw RecordError(side.tensorCode, "\(path): missing \"\(missing)\"")
        }
        tensor.declared = declared.index(of: tensor.nameNode, in: view)
        return tensor
    }

    // MARK: TensorFlow Serving

    private static func decodeTF(
        _ view: JSONView, _ body: Int, side: BodySide, declared: DeclaredTensors, into out: inout DecodedBody
    ) throws(RecordError) {
        let rowKey = side == .request ? "instances" : "predictions"
        let columnKey = side == .request ? "inputs" : "outputs"
        var rows = -1
        var columns = -1
        var problem: RecordError?
        view.forEachMember(of: body) { key, value in
            if view.stringEquals(key, rowKey) {
                rows = value
            } else if view.stringEquals(key, columnKey) {
                columns = value
            } else if side == .request, view.stringEquals(key, "signature_name") {
                if view.kind(value) != .string {
                    problem = Self.wrongType(side, "signature_name", "a string", view, value)
                }
            } else {
                problem = RecordError(
                    side.structureCode, "\(side.name): unknown key \(view.quoted(key)) for the TF Serving protocol")
            }
            return problem == nil
        }
        if let problem { throw problem }
        if rows >= 0 && columns >= 0 {
            throw RecordError(side.structureCode, "\(side.name): \"\(rowKey)\" and \"\(columnKey)\" are exclusive")
        }
        if rows >= 0 {
            guard view.kind(rows) == .array else { throw Self.wrongType(side, rowKey, "an array", view, rows) }
            out.rowFormat = true
            try decodeRows(view, rows, side: side, key: rowKey, declared: declared, into: &out)
        } else if columns >= 0 {
            try decodeColumns(view, columns, side: side, key: columnKey, declared: declared, into: &out)
        } else {
            throw RecordError(side.structureCode, "\(side.name): missing \"\(rowKey)\" or \"\(columnKey)\"")
        }
    }

    /// Whether a value is a name map rather than one tensor's value: an object that is not `{"b64": …}`.
    private static func isNameMap(_ view: JSONView, _ node: Int) -> Bool {
        guard view.kind(node) == .object else { return false }
        return !(view.count(node) == 1 && view.stringEquals(node + 1, "b64"))
    }

    private static func decodeRows(
        _ view: JSONView, _ list: Int, side: BodySide, key: String, declared: DeclaredTensors,
        into out: inout DecodedBody
    ) throws(RecordError) {
        let base = "\(side.name).\(key)"
        let named = view.count(list) > 0 && Self.isNameMap(view, list + 1)
        out.named = named
        if !named {
            guard declared.count == 1 else { throw unnamed(side, base, "each row", declared) }
            var tensor = BodyTensor(path: TensorPath(side: side, form: .rows), declared: 0)
            var failure: RecordError?
            view.forEachElement(of: list) { position, row in
                if Self.isNameMap(view, row) {
                    failure = RecordError(side.tensorCode, "\(base)[\(position)]: rows mix named and unnamed forms")
                    return false
                }
                tensor.rows.append(row)
                return true
            }
            if let failure { throw failure }
            out.tensors.append(tensor)
            return
        }
        var tensors = (0..<declared.count).map {
            BodyTensor(path: TensorPath(side: side, form: .rows, name: declared.names[$0]), declared: $0)
        }
        var failure: RecordError?
        view.forEachElement(of: list) { position, row in
            guard Self.isNameMap(view, row) else {
                failure = RecordError(side.tensorCode, "\(base)[\(position)]: rows mix named and unnamed forms")
                return false
            }
            var seen = 0
            view.forEachMember(of: row) { name, value in
                guard let index = declared.index(of: name, in: view) else {
                    failure = RecordError(
                        side.tensorCode, "\(base)[\(position)]: \(view.quoted(name)) is not a declared tensor")
                    return false
                }
                tensors[index].rows.append(value)
                seen += 1
                return true
            }
            if failure == nil && seen != declared.count {
                let missing = (0..<declared.count).first { tensors[$0].rows.count <= position }!
                failure = RecordError(
                    side.tensorCode, "\(base)[\(position)]: missing declared tensor \"\(declared.names[missing])\"")
            }
            return failure == nil
        }
        if let failure { throw failure }
        out.tensors.append(contentsOf: tensors)
    }

    private static func decodeColumns(
        _ view: JSONView, _ value: Int, side: BodySide, key: String, declared: DeclaredTensors,
        into out: inout DecodedBody
    ) throws(RecordError) {
        let base = "\(side.name).\(key)"
        guard Self.isNameMap(view, value) else {
            guard declared.count == 1 else { throw unnamed(side, base, "\"\(key)\"", declared) }
            var tensor = BodyTensor(path: TensorPath(side: side, form: .columns), declared: 0)
            tensor.data = value
            out.tensors.append(tensor)
            return
        }
        out.named = true
        var failure: RecordError?
        view.forEachMember(of: value) { name, column in
            var tensor = BodyTensor(
                path: TensorPath(side: side, form: .columns, name: view.string(name)),
                declared: declared.index(of: name, in: view))
            tensor.nameNode = name
            guard tensor.declared != nil else {
                failure = RecordError(side.tensorCode, "\(base): \(view.quoted(name)) is not a declared tensor")
                return false
            }
            tensor.data = column
            out.tensors.append(tensor)
            return true
        }
        if let failure { throw failure }
    }

    /// An unnamed TF Serving tensor where the model declares several, so names are needed.
    private static func unnamed(
        _ side: BodySide, _ base: String, _ what: String, _ declared: DeclaredTensors
    ) -> RecordError {
        RecordError(
            side.tensorCode,
            "\(base): the model declares \(declared.count) tensors, so \(what) must be an object naming them")
    }

    private static func wrongType(
        _ side: BodySide, _ key: String, _ expected: String, _ view: JSONView, _ node: Int
    ) -> RecordError {
        RecordError(side.structureCode, "\(side.name).\(key): must be \(expected), got \(view.kind(node).article)")
    }

    private static func wrongType(
        _ side: BodySide, _ path: TensorPath, _ key: String, _ expected: String, _ view: JSONView, _ node: Int
    ) -> RecordError {
        RecordError(side.tensorCode, "\(path).\(key): must be \(expected), got \(view.kind(node).article)")
    }
}
