public import DPWallRecords

/// Checks before a run that an input can be opened, so a typo fails with exit 66 before any output.
public enum InputProbe {
    /// Opens and closes `path`; throws ``InputError`` when it cannot be opened.
    @discardableResult
    public static func check(_ path: String) throws(InputError) -> Bool {
        _ = try FileByteSource(path: path)
        return true
    }
}
