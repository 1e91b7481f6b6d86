/// Row-major walks over tensor data written as nested JSON arrays, straight off the tape.
///
/// On the tape a subtree's nodes are in document order, so the leaves of a nested array, in row-major order,
/// are simply its non-array nodes: no recursion and no copies are needed to flatten.
package enum NestedData {
    /// Calls `body(leafNode, flatIndex)` for each leaf under `node` (or `node` itself when it is not an array),
    /// in row-major order, starting at `firstIndex`; stops when `body` returns false. Returns the next flat index.
    @discardableResult
    package static func forEachLeaf(
        _ view: JSONView, _ node: Int, firstIndex: Int = 0, _ body: (Int, Int) throws -> Bool
    ) rethrows -> Int {
        var index = firstIndex
        if view.kind(node) != .array {
            _ = try body(node, index)
            return index + 1
        }
        var i = node + 1
        let end = view.next(node)
        while i < end {
            if view.kind(i) == .array {
                i += 1
                continue
            }
            if try !body(i, index) { return index + 1 }
            index += 1
            i = view.next(i)
        }
        return index
    }

    /// Number of leaves under `node` (1 when it is not an array).
    package static func leafCount(_ view: JSONView, _ node: Int) -> Int {
        forEachLeaf(view, node) { _, _ in true }
    }

    /// Appends the shape implied by following the first element along each axis (`[[1,2],[3,4]]` → `[2, 2]`).
    package static func inferShape(_ view: JSONView, _ node: Int, into dims: inout [Int]) {
        var current = node
        while view.kind(current) == .array {
            let count = view.count(current)
            dims.append(count)
            if count == 0 { return }
            current += 1
        }
    }

    /// Whether `node` is nested exactly as `dims` (from axis `axis`): arrays of the right lengths down to
    /// scalar leaves. A ragged `[[1,2,3],[4]]` does not match `[2, 2]`.
    package static func matches(_ view: JSONView, _ node: Int, _ dims: ArraySlice<Int>) -> Bool {
        guard let first = dims.first else { return view.kind(node) != .array }
        guard view.kind(node) == .array, view.count(node) == first else { return false }
        let rest = dims.dropFirst()
        var ok = true
        view.forEachElement(of: node) { _, child in
            ok = matches(view, child, rest)
            return ok
        }
        return ok
    }

    /// Whether an array node is flat: none of its elements is an array.
    package static func isFlat(_ view: JSONView, _ node: Int) -> Bool {
        var flat = true
        view.forEachElement(of: node) { _, child in
            flat = view.kind(child) != .array
            return flat
        }
        return flat
    }
}
