/// colan's version, printed by `colan --version` and in the footer of `colan report`.
public enum ColanVersion {
    /// Semantic version of this build.
    public static let string = "0.8.0"
}
