//! The sandbox app's announcements and voice-notification templates: a
//! small fixed set that includes every example name of the vendor's pages,
//! so that requests copied from its samples work against the sandbox.

/// A voice-notification (TTS) template of the sandbox's app.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Template {
    /// The `templateId`.
    pub id: &'static str,
    /// Whether it passed the vendor's review: an unapproved one is refused
    /// with 1012002.
    pub approved: bool,
    /// The most characters each variable takes, in order: `templateParas`
    /// must have exactly one value per variable (else 1012004), each no
    /// longer than its variable's limit (else 1012005).
    pub variables: &'static [usize],
    /// What it says, for the docs: `{n}` is the n-th variable.
    pub text: &'static str,
}

/// The app's templates. `test_template` is the vendor's example (two
/// values, e.g. `["3", "人民公园正门"]`).
pub const TEMPLATES: [Template; 3] = [
    Template {
        id: "test_template",
        approved: true,
        variables: &[10, 20],
        text: "You have {1} parcels waiting at {2}.",
    },
    Template {
        id: "notice_template",
        approved: true,
        variables: &[],
        text: "This is a notice from the voicecb sandbox.",
    },
    Template {
        id: "pending_template",
        approved: false,
        variables: &[20],
        text: "Still under review: {1}.",
    },
];

/// The app's uploaded announcements (Wave files), by name: the vendor's
/// example names. `notifyVoice`, `preTone` and `posTone` naming another
/// file are accepted, and the call ends with stateCode 8006 (announcement
/// file does not exist) when it comes to play it.
pub const VOICE_FILES: [&str; 4] = [
    "notifyvoice.wav",
    "welcome.wav",
    "pretone.wav",
    "postone.wav",
];

pub(super) fn template(id: &str) -> Option<&'static Template> {
    TEMPLATES.iter().find(|t| t.id == id)
}

pub(super) fn is_voice_file(name: &str) -> bool {
    VOICE_FILES.contains(&name)
}
