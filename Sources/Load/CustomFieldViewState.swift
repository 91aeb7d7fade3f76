/// What a sync did with `mart.lead_custom_fields`, the view written from the field definitions.
public enum CustomFieldViewState: String, Sendable, Equatable {
    /// The definitions had not changed: the view was left alone (no lock taken).
    case unchanged
    /// The definitions changed and the view was written again.
    case rebuilt
    /// The definitions changed but a reader held the view past the wait; it keeps its old
    /// columns until a later sync finds it free.
    case busy
    /// Other views depend on it, so it was not replaced.
    case usedByOtherViews = "used by other views"
}
