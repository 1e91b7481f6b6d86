/// The version printed by `dpwall --version`.
public enum DPWallVersion {
    /// Semantic version of this build.
    public static let current = "0.1.0"
}
