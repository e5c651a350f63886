//! Reference data seeded by migration: accrediting bodies, modalities and practitioner roles.

pub mod queries;
pub mod routes;

use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

pub use queries::modality_of_role;

/// The practitioner roles the migrations seed (none is added at run time), as the OpenAPI
/// document and refusals list them; a test holds this list to the seeded table.
pub const PRACTITIONER_ROLES: &[&str] = &[
    "pwp",
    "cbt_therapist",
    "counsellor",
    "couple_therapist",
    "dit_practitioner",
    "ipt_practitioner",
];
pub use routes::routes;

#[derive(Debug, Queryable, Serialize, ToSchema)]
pub struct Body {
    /// BPS, BABCP, BACP, BPC or IPTUK.
    pub code: String,
    pub name: String,
}

#[derive(Debug, Queryable, Serialize, ToSchema)]
pub struct Modality {
    pub code: String,
    pub name: String,
    /// The code of the body accrediting its courses.
    pub body: String,
}
