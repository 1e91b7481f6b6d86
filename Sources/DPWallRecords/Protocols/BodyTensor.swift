/// Which wire protocol a body uses (records.md, "Bodies").
public enum WireFormat: Sendable {
    /// Open Inference Protocol (KServe v2 / Triton) REST JSON.
    case v2
    /// TensorFlow Serving REST predict.
    case tfserving
}

/// Which half of a record a body is, and so which codes its structural problems get.
package enum BodySide: Sendable {
    case request, response

    /// The field name, for paths in messages.
    package var name: String { self == .request ? "request" : "response" }
    /// Code for a body that is not shaped like its protocol.
    package var structureCode: DenialCode { self == .request ? .invalidField : .invalidResponse }
    /// Code for a tensor that is malformed, undeclared or missing.
    package var tensorCode: DenialCode { self == .request ? .invalidTensor : .invalidResponse }

    /// Whether two sides are the same, inlined into other modules (the synthesized `==` is called there through
    /// `Equatable`'s witness table, per tensor on the hot path); a fieldless enum's value is its case number.
    @inlinable
    package static func == (a: BodySide, b: BodySide) -> Bool {
        unsafeBitCast(a, to: UInt8.self) == unsafeBitCast(b, to: UInt8.self)
    }
}

extension WireFormat {
    /// Whether two formats are the same, inlined into other modules (see ``BodySide``'s `==`).
    @inlinable
    public static func == (a: WireFormat, b: WireFormat) -> Bool {
        unsafeBitCast(a, to: UInt8.self) == unsafeBitCast(b, to: UInt8.self)
    }
}

/// The tensors a model declares on one side, by name, for decoding bodies that leave names implicit.
///
/// A class, so that handing it around the hot path costs one reference count, not one per array inside.
package final class DeclaredTensors: Sendable {
    private let table: NameTable
    /// Whether each declared tensor is BYTES (a `{"b64": …}` object is then a value, not a name map).
    package let isBytes: [Bool]
    /// How many tensors are declared.
    package let count: Int

    /// Makes the declaration list.
    package init(names: [String], isBytes: [Bool]) {
        table = NameTable(names)
        self.isBytes = isBytes
        count = names.count
    }

    /// Declared names in policy order.
    package var names: [String] { table.names }

    /// Index of the declared tensor whose name equals the string node, or nil.
    package func index(of key: Int, in view: JSONView) -> Int? { table.index(of: key, in: view) }
}

/// Where a tensor is in its body, for messages: `request.inputs[0]`, `request.instances[*].text`,
/// `response.predictions`. Built into text only when a message needs it, so the hot path allocates nothing.
package struct TensorPath: CustomStringConvertible {
    /// How the tensor appears in the body.
    package enum Form {
        /// A v2 tensor object at this position of `inputs`/`outputs`.
        case v2(position: Int)
        /// TF Serving row format (`instances`/`predictions`), named or not.
        case rows
        /// TF Serving columnar format (`inputs`/`outputs`), named or not.
        case columns
    }

    /// The half of the record.
    package var side: BodySide
    /// How the tensor appears.
    package var form: Form
    /// The tensor's name when the body names it per row or per column (TF Serving), else nil.
    package var name: String?

    /// Makes a path.
    package init(side: BodySide, form: Form, name: String? = nil) {
        self.side = side
        self.form = form
        self.name = name
    }

    package var description: String {
        switch form {
        case .v2(let position):
            return "\(side.name).\(side == .request ? "inputs" : "outputs")[\(position)]"
        case .rows:
            let base = "\(side.name).\(side == .request ? "instances" : "predictions")"
            return name.map { "\(base)[*].\($0)" } ?? base
        case .columns:
            let base = "\(side.name).\(side == .request ? "inputs" : "outputs")"
            return name.map { "\(base).\($0)" } ?? base
        }
    }

    /// The path of element `index` (row-major, counted over the whole tensor): `request.inputs[0].data[3]`.
    package func element(_ index: Int) -> String {
        if case .v2 = form { return "\(self).data[\(index)]" }
        return "\(self)[\(index)]"
    }
}

/// One tensor found in a body, before it is checked against its declaration. No element is copied.
package struct BodyTensor {
    /// Where the tensor is, for messages.
    package var path: TensorPath
    /// Index of the declared tensor this one names (resolved for TF Serving; by name for v2), or nil if undeclared.
    package var declared: Int?
    /// Node of the `name` string (v2), or -1.
    package var nameNode = -1
    /// Node of the `datatype` string (v2), or -1.
    package var datatypeNode = -1
    /// Node of the `shape` array (v2), or -1.
    package var shapeNode = -1
    /// Node holding the whole tensor's data (batch axis included), or -1 when ``rows`` is used.
    package var data = -1
    /// One node per batch row (TF Serving row format), each holding one row without the batch axis.
    package var rows: [Int] = []

    /// A tensor found at `path`.
    package init(path: TensorPath, declared: Int?) {
        self.path = path
        self.declared = declared
    }
}

/// A body decoded into its tensors, plus what must be echoed when the body is released.
package struct DecodedBody {
    /// The protocol of the body.
    package var format: WireFormat = .v2
    /// Tensors in body order.
    package var tensors: [BodyTensor] = []
    /// TF Serving: true for the row format (`instances`/`predictions`), false for columnar (`inputs`/`outputs`).
    package var rowFormat = false
    /// TF Serving: true when the tensors are named (objects keyed by tensor name), false for one unnamed tensor.
    package var named = false
    /// v2 response: the `model_name`, `model_version` and `id` string nodes, or -1.
    package var modelName = -1, modelVersion = -1, bodyID = -1
    /// v2 request: node of the `outputs` array naming requested outputs, or -1.
    package var requestedOutputs = -1

    /// An empty body.
    package init() {}
}
