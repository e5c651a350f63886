//! People: practitioners and the other staff of a service, each with a login.

pub mod queries;
pub mod rules;

use actix_web::{web, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::app::{now, today, AppState};
use crate::audit::{self, Change};
use crate::auth::policy::{
    can_grant, can_manage_people_of, can_view_person, people_scope, roles_from_text, roles_to_text,
    Caller, Role,
};
use crate::auth::policy::{
    may_deactivate, may_patch, sees_special_category, DeactivationRefused, Touches,
};
use crate::auth::{session, valid_password, Auth};
use crate::db::schema::users;
use crate::db::DbConn;
use crate::http::page::{Page, PageRequest};
use crate::http::{parse_id, resource, validate, AppError, FieldError, Json};
use queries::{PeopleFilter, PersonRow, PersonWithModality};

crate::db_enum! {
    pub enum Stage("stage") {
        Trainee => "trainee",
        Qualified => "qualified",
    }
}

/// A person as the API shows them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Person {
    pub id: String,
    pub email: String,
    pub full_name: String,
    pub service_id: Option<String>,
    /// `pwp`, `cbt_therapist`, `counsellor`, `couple_therapist`, `dit_practitioner` or `ipt_practitioner`.
    pub practitioner_role: Option<String>,
    /// The modality the practitioner role practises.
    pub modality: Option<String>,
    /// `trainee` or `qualified`.
    pub stage: Option<Stage>,
    /// Whole-time equivalent, 0.1 to 1.0.
    pub wte: Option<f64>,
    pub roles: Vec<Role>,
    /// Start in post.
    #[schema(value_type = Option<String>, format = Date)]
    pub started_on: Option<NaiveDate>,
    /// The last day in post, once the person has left (set on deactivation if not before).
    #[schema(value_type = Option<String>, format = Date)]
    pub left_on: Option<NaiveDate>,
    pub active: bool,
    /// Planning tags such as `older people`; listable with `GET /practitioners?specialist_interest=`.
    pub specialist_interests: Vec<String>,
    /// Languages spoken: special-category data, shown to the person alone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub languages: Option<Vec<String>>,
    /// NHS ethnic category code: shown to the person alone, never to anyone else.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ethnicity: Option<String>,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
    /// On creation without a password: the invitation sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invitation: Option<InvitationSent>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InvitationSent {
    /// Whether the email went out; if not, send it again with `POST /practitioners/{id}/invitation`.
    pub sent: bool,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: NaiveDateTime,
}

/// A list kept as JSON text (languages, specialist interests).
pub(crate) fn json_list(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

impl Person {
    /// `is_self`: the viewer is the person, the only one shown the special-category fields
    /// (ethnicity and languages).
    pub fn view((row, modality): PersonWithModality, is_self: bool) -> Person {
        Person {
            languages: is_self.then(|| json_list(&row.languages)),
            specialist_interests: json_list(&row.specialist_interests),
            roles: roles_from_text(&row.roles),
            ethnicity: if is_self { row.ethnicity } else { None },
            id: row.id,
            email: row.email,
            full_name: row.full_name,
            service_id: row.service_id,
            practitioner_role: row.practitioner_role,
            modality,
            stage: row.stage,
            wte: row.wte,
            started_on: row.started_on,
            left_on: row.left_on,
            active: row.active,
            created_at: row.created_at,
            updated_at: row.updated_at,
            invitation: None,
        }
    }
}

/// How a person is written to the audit trail: every field, the special-category ones
/// included so the history of a change is complete. `GET /audit/events` redacts those (see
/// `audit::special`), and revealing them is itself audited.
fn audited(p: &PersonWithModality) -> Result<Option<serde_json::Value>, AppError> {
    audit::snapshot(&Person::view(p.clone(), true))
}

fn one_line(field: &str) -> impl Fn(&String) -> Result<(), validator::ValidationError> + '_ {
    move |s: &String| {
        if s.trim().is_empty() || s.chars().count() > 200 || s.contains(['\n', '\r']) {
            let mut e = validator::ValidationError::new("text");
            e.message =
                Some(format!("each {field} must be 1 to 200 characters on one line").into());
            return Err(e);
        }
        Ok(())
    }
}

fn valid_tags(items: &[String]) -> Result<(), validator::ValidationError> {
    if items.len() > 50 {
        return Err(
            validator::ValidationError::new("tags").with_message("at most 50 entries".into())
        );
    }
    items.iter().try_for_each(one_line("entry"))
}

fn valid_wte(w: f64) -> Result<(), validator::ValidationError> {
    if (0.1..=1.0).contains(&w) {
        Ok(())
    } else {
        Err(validator::ValidationError::new("wte")
            .with_message("must be between 0.1 and 1.0".into()))
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPractitioner {
    #[validate(
        email(message = "is not an email address"),
        length(max = 320, message = "is too long")
    )]
    pub email: String,
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    pub full_name: String,
    pub service_id: String,
    pub practitioner_role: String,
    pub stage: Stage,
    #[validate(custom(function = "valid_wte"))]
    pub wte: f64,
    /// Default `["practitioner"]`.
    #[serde(default)]
    pub roles: Vec<Role>,
    /// Start in post; default today.
    #[schema(value_type = Option<String>, format = Date)]
    pub started_on: Option<NaiveDate>,
    /// Without one, an invitation to set it is emailed.
    #[validate(custom(function = "valid_password"))]
    pub password: Option<String>,
}

/// Fields a person may change of their own record are `ethnicity`, `languages` and
/// `specialist_interests`; the rest are their training lead's or an admin's.
#[derive(Debug, Deserialize, Validate, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct PractitionerPatch {
    #[validate(
        email(message = "is not an email address"),
        length(max = 320, message = "is too long")
    )]
    pub email: Option<String>,
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    pub full_name: Option<String>,
    pub service_id: Option<String>,
    pub practitioner_role: Option<String>,
    pub stage: Option<Stage>,
    #[validate(custom(function = "valid_wte"))]
    pub wte: Option<f64>,
    pub roles: Option<Vec<Role>>,
    #[schema(value_type = Option<String>, format = Date)]
    pub started_on: Option<NaiveDate>,
    pub active: Option<bool>,
    /// The last day in post, or null while in post. Deactivating sets it to today if unset;
    /// reactivating clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub left_on: Option<Option<NaiveDate>>,
    /// NHS ethnic category code (A..S, Z for not stated), or null to remove it. The person's own.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub ethnicity: Option<Option<String>>,
    /// Languages spoken: special-category data, set and seen by the person alone.
    #[validate(custom(function = "valid_tags"))]
    pub languages: Option<Vec<String>>,
    #[validate(custom(function = "valid_tags"))]
    pub specialist_interests: Option<Vec<String>>,
}

/// Tells an absent field (`None`) from an explicit null (`Some(None)`).
fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeopleQuery {
    pub service_id: Option<String>,
    pub practitioner_role: Option<String>,
    /// Part of a name or email, any case.
    pub q: Option<String>,
    pub active: Option<bool>,
    /// A modality the person practises: their role's, or one learnt on a completed
    /// practitioner-training course.
    pub modality: Option<String>,
    /// A specialist interest the person has recorded, any case (for planning).
    pub specialist_interest: Option<String>,
    /// 1 to 500, default 50.
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Checks the references a request names, answering 422 for the unknown ones.
fn check_references(
    conn: &mut DbConn,
    service_id: Option<&str>,
    role: Option<&str>,
) -> Result<(), AppError> {
    let mut errors = Vec::new();
    if let Some(s) = service_id {
        if crate::services::find(conn, s)?.is_none() {
            errors.push(FieldError::new("service_id", "no such service"));
        }
    }
    if let Some(r) = role {
        if crate::reference::modality_of_role(conn, r)?.is_none() {
            errors.push(FieldError::new(
                "practitioner_role",
                "must be one of pwp, cbt_therapist, counsellor, couple_therapist, dit_practitioner, ipt_practitioner",
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

fn sorted_roles(roles: &[Role]) -> Vec<Role> {
    let mut r = if roles.is_empty() {
        vec![Role::Practitioner]
    } else {
        roles.to_vec()
    };
    r.sort();
    r.dedup();
    r
}

/// Creates a person as `POST /practitioners` describes, for the API and `registry create-user`
/// alike: every field problem at once (the request's own and unknown references), then the
/// same defaults (roles `practitioner`, start in post today). Permissions are the caller's.
pub fn create_person(
    conn: &mut DbConn,
    actor_id: Option<&str>,
    input: NewPractitioner,
    password_hash: Option<&str>,
    now: NaiveDateTime,
) -> Result<PersonWithModality, AppError> {
    let mut errors = match validate(&input) {
        Ok(()) => Vec::new(),
        Err(AppError::Validation(e)) => e,
        Err(other) => return Err(other),
    };
    let service_id = crate::http::parse_id(&input.service_id).ok();
    if service_id.is_none() {
        errors.push(FieldError::new("service_id", "no such service"));
    }
    match check_references(conn, service_id.as_deref(), Some(&input.practitioner_role)) {
        Ok(()) => {}
        Err(AppError::Validation(mut e)) => errors.append(&mut e),
        Err(other) => return Err(other),
    }
    if !errors.is_empty() {
        errors.sort_by(|a, b| a.field.cmp(&b.field));
        return Err(AppError::Validation(errors));
    }
    let account = NewAccount {
        email: input.email,
        full_name: input.full_name,
        roles: input.roles,
        service_id,
        practitioner_role: Some(input.practitioner_role),
        stage: Some(input.stage),
        wte: Some(input.wte),
        started_on: Some(input.started_on.unwrap_or(now.date())),
    };
    create_account(conn, actor_id, account, password_hash, now)
}

/// An admin with no service or clinical role (the first admin, `create-user --roles admin`):
/// the same email and name rules as everyone else.
pub fn create_admin(
    conn: &mut DbConn,
    email: &str,
    full_name: &str,
    password_hash: &str,
    now: NaiveDateTime,
) -> Result<PersonWithModality, AppError> {
    use validator::ValidateEmail;
    let mut errors = Vec::new();
    let email = email.trim();
    if !email.validate_email() || email.len() > 320 {
        errors.push(FieldError::new("email", "is not an email address"));
    }
    let n = full_name.trim().chars().count();
    if !(1..=200).contains(&n) {
        errors.push(FieldError::new("full_name", "must be 1 to 200 characters"));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let account = NewAccount {
        email: email.to_string(),
        full_name: full_name.to_string(),
        roles: vec![Role::Admin],
        service_id: None,
        practitioner_role: None,
        stage: None,
        wte: None,
        started_on: Some(now.date()),
    };
    create_account(conn, None, account, Some(password_hash), now)
}

/// Creates a person with a login. Shared by the API, `registry create-user` and the first-admin
/// bootstrap; the caller has checked permissions and references.
pub struct NewAccount {
    pub email: String,
    pub full_name: String,
    pub roles: Vec<Role>,
    pub service_id: Option<String>,
    pub practitioner_role: Option<String>,
    pub stage: Option<Stage>,
    pub wte: Option<f64>,
    pub started_on: Option<NaiveDate>,
}

pub fn create_account(
    conn: &mut DbConn,
    actor_id: Option<&str>,
    account: NewAccount,
    password_hash: Option<&str>,
    now: NaiveDateTime,
) -> Result<PersonWithModality, AppError> {
    let email = account.email.trim().to_string();
    if queries::email_taken(conn, &email.to_lowercase(), None)? {
        return Err(AppError::Conflict(format!(
            "a person with the email {email} already exists"
        )));
    }
    let row = PersonRow {
        id: uuid::Uuid::now_v7().to_string(),
        email,
        full_name: account.full_name.trim().to_string(),
        roles: roles_to_text(&sorted_roles(&account.roles)),
        service_id: account.service_id,
        practitioner_role: account.practitioner_role,
        stage: account.stage,
        wte: account.wte,
        started_on: account.started_on,
        left_on: None,
        active: true,
        ethnicity: None,
        languages: "[]".into(),
        specialist_interests: "[]".into(),
        created_at: now,
        updated_at: now,
    };
    queries::insert(conn, &row, password_hash)?;
    let created = queries::find(conn, &row.id)?.ok_or(AppError::NotFound)?;
    audit::record(
        conn,
        Change {
            actor_id,
            action: "create",
            entity_type: "practitioner",
            entity_id: &row.id,
            service_id: row.service_id.as_deref(),
            before: None,
            after: audited(&created)?,
        },
        now,
    )?;
    Ok(created)
}

/// Sets a password (the hash is never audited).
pub fn set_password(
    conn: &mut DbConn,
    user_id: &str,
    hash: &str,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::update(users::table.find(user_id))
        .set((users::password_hash.eq(hash), users::updated_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

/// Creates the first admin when none exists; says in the log what it did.
pub fn ensure_admin(conn: &mut DbConn, email: &str, hash: &str) -> Result<bool, AppError> {
    crate::db::write_tx(conn, |conn| {
        if queries::admin_exists(conn)? {
            return Ok(false);
        }
        create_admin(conn, email, "Administrator", hash, now())?;
        Ok(true)
    })
}

/// Opens an invitation and queues its email in the outbox, in the caller's transaction:
/// answers the delivery to send once the transaction commits, and the expiry.
fn queue_invitation(
    conn: &mut DbConn,
    keys: &crate::auth::tokens::TokenKeys,
    person: &PersonRow,
    ttl_days: i64,
    now: NaiveDateTime,
) -> Result<(String, NaiveDateTime), AppError> {
    let (invitation, expires_at) = session::invite(conn, keys, &person.id, ttl_days, now)?;
    let email = crate::mail::invitation(
        &person.email,
        &person.full_name,
        crate::reminders::outbox::INVITATION_LINK,
        &expires_at,
    );
    let delivery =
        crate::reminders::outbox::queue_invitation(conn, &invitation, &person.id, &email, now)?;
    Ok((delivery, expires_at))
}

/// Sends a queued invitation at once; if that fails the outbox retries it on its schedule.
async fn send_invitation(
    state: &AppState,
    person: &Person,
    delivery: String,
    expires_at: NaiveDateTime,
) -> InvitationSent {
    let sent = match crate::reminders::deliver_now(state, delivery).await {
        Ok(sent) => sent,
        Err(e) => {
            tracing::warn!(person_id = %person.id, error = %e, "invitation not sent; the outbox will retry it");
            false
        }
    };
    InvitationSent { sent, expires_at }
}

#[utoipa::path(
    post, path = "/api/v1/practitioners", tag = "people", request_body = NewPractitioner,
    responses(
        (status = 201, body = Person), (status = 400, body = crate::http::Problem), (status = 401, body = crate::http::Problem),
        (status = 403, body = crate::http::Problem), (status = 409, body = crate::http::Problem, description = "the email is taken"),
        (status = 415, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn create_practitioner(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    body: Json<NewPractitioner>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let body = body.0;
    validate(&body)?;
    let service_id = crate::http::parse_id(&body.service_id)
        .map_err(|_| AppError::invalid("service_id", "no such service"))?;
    if !can_manage_people_of(&caller, Some(&service_id)) || !can_grant(&caller, &body.roles) {
        return Err(AppError::forbidden());
    }
    let hash = match body.password.clone() {
        Some(p) => Some(state.hashers.hash(p).await?),
        None => None,
    };
    let invite_ttl = state.settings.invitation_ttl_days;
    let keys = state.tokens.clone();
    let (created, invitation) = state
        .write(move |conn| {
            let created = create_person(conn, Some(&caller.id), body, hash.as_deref(), now)?;
            let invitation = match hash {
                Some(_) => None,
                None => Some(queue_invitation(conn, &keys, &created.0, invite_ttl, now)?),
            };
            Ok((created, invitation))
        })
        .await?;
    let mut person = Person::view(created, false);
    if let Some((delivery, expires_at)) = invitation {
        person.invitation = Some(send_invitation(&state, &person, delivery, expires_at).await);
    }
    Ok(HttpResponse::Created().json(person))
}

#[utoipa::path(
    get, path = "/api/v1/practitioners", tag = "people", params(PeopleQuery),
    responses(
        (status = 200, body = inline(Page<Person>)), (status = 401, body = crate::http::Problem),
        (status = 403, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn list_practitioners(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    q: web::Query<PeopleQuery>,
) -> Result<HttpResponse, AppError> {
    let scope = people_scope(&caller).ok_or_else(AppError::forbidden)?;
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let q = q.into_inner();
    let filter = PeopleFilter {
        service_id: q.service_id,
        practitioner_role: q.practitioner_role,
        q: q.q,
        active: q.active,
        modality: q.modality,
        specialist_interest: q.specialist_interest,
    };
    let p = page.clone();
    let rows = state
        .db(move |conn| queries::list(conn, &scope, &filter, &p))
        .await?;
    let me = caller.id.clone();
    let page = Page::from_rows(rows, &page, |r| &r.0.id).map(|r| {
        let is_me = r.0.id == me;
        Person::view(r, is_me)
    });
    Ok(HttpResponse::Ok().json(page))
}

/// Finds a person the caller may see; anyone else is a 404.
fn visible(conn: &mut DbConn, caller: &Caller, id: &str) -> Result<PersonWithModality, AppError> {
    let found = queries::find(conn, id)?.ok_or(AppError::NotFound)?;
    if can_view_person(caller, &found.0.id, found.0.service_id.as_deref()) {
        Ok(found)
    } else {
        Err(AppError::NotFound)
    }
}

#[utoipa::path(
    get, path = "/api/v1/practitioners/{id}", tag = "people",
    params(("id" = String, Path, description = "person id")),
    responses((status = 200, body = Person), (status = 401, body = crate::http::Problem), (status = 404, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn get_practitioner(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let c = caller.clone();
    let found = state.db(move |conn| visible(conn, &c, &id)).await?;
    let is_me = sees_special_category(&caller, &found.0.id);
    Ok(HttpResponse::Ok().json(Person::view(found, is_me)))
}

/// Applies a patch to a row, after the permission check. Returns what it touched.
fn apply_patch(row: &mut PersonRow, p: PractitionerPatch) -> Result<Touches, AppError> {
    let mut t = Touches::default();
    let before_roles = roles_from_text(&row.roles);
    if let Some(v) = p.email {
        t.staff_fields |= v.trim() != row.email;
        row.email = v.trim().to_string();
    }
    if let Some(v) = p.full_name {
        t.staff_fields |= v.trim() != row.full_name;
        row.full_name = v.trim().to_string();
    }
    if let Some(v) = p.service_id {
        let v = crate::http::parse_id(&v)
            .map_err(|_| AppError::invalid("service_id", "no such service"))?;
        t.staff_fields |= row.service_id.as_deref() != Some(v.as_str());
        row.service_id = Some(v);
    }
    if let Some(v) = p.practitioner_role {
        t.staff_fields |= row.practitioner_role.as_deref() != Some(v.as_str());
        row.practitioner_role = Some(v);
    }
    if let Some(v) = p.stage {
        t.staff_fields |= row.stage != Some(v);
        row.stage = Some(v);
    }
    if let Some(v) = p.wte {
        t.staff_fields |= row.wte != Some(v);
        row.wte = Some(v);
    }
    if let Some(v) = p.roles {
        let new_roles = sorted_roles(&v);
        t.staff_fields |= new_roles != before_roles;
        t.admin_role = new_roles.contains(&Role::Admin) != before_roles.contains(&Role::Admin);
        row.roles = roles_to_text(&new_roles);
    }
    if let Some(v) = p.started_on {
        t.staff_fields |= row.started_on != Some(v);
        row.started_on = Some(v);
    }
    if let Some(v) = p.active {
        t.staff_fields |= row.active != v;
        if row.active != v && p.left_on.is_none() {
            row.left_on = if v {
                None
            } else {
                Some(row.left_on.unwrap_or_else(today))
            };
        }
        row.active = v;
    }
    if let Some(v) = p.left_on {
        t.staff_fields |= row.left_on != v;
        row.left_on = v;
    }
    if let (Some(start), Some(left)) = (row.started_on, row.left_on) {
        if left < start {
            return Err(AppError::invalid("left_on", "cannot be before started_on"));
        }
    }
    if let Some(v) = p.ethnicity {
        if let Some(code) = &v {
            if !rules::valid_ethnicity(code) {
                return Err(AppError::invalid(
                    "ethnicity",
                    "must be an NHS ethnic category code (A to S, or Z for not stated)",
                ));
            }
        }
        t.special_category |= row.ethnicity != v;
        row.ethnicity = v;
    }
    if let Some(v) = p.languages {
        let text = serde_json::to_string(&v).map_err(AppError::internal)?;
        t.special_category |= text != row.languages;
        row.languages = text;
    }
    if let Some(v) = p.specialist_interests {
        let text = serde_json::to_string(&v).map_err(AppError::internal)?;
        t.profile_fields |= text != row.specialist_interests;
        row.specialist_interests = text;
    }
    Ok(t)
}

#[utoipa::path(
    patch, path = "/api/v1/practitioners/{id}", tag = "people", request_body = PractitionerPatch,
    params(("id" = String, Path, description = "person id")),
    responses(
        (status = 200, body = Person), (status = 400, body = crate::http::Problem), (status = 401, body = crate::http::Problem),
        (status = 403, body = crate::http::Problem), (status = 404, body = crate::http::Problem),
        (status = 409, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn patch_practitioner(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
    body: Json<PractitionerPatch>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let id = parse_id(&id)?;
    let patch = body.0;
    validate(&patch)?;
    let c = caller.clone();
    let updated = state
        .write(move |conn| {
            let before = visible(conn, &c, &id)?;
            let mut row = before.0.clone();
            let touches = apply_patch(&mut row, patch)?;
            let is_self = sees_special_category(&c, &row.id);
            let manages_before = can_manage_people_of(&c, before.0.service_id.as_deref());
            let manages_after = can_manage_people_of(&c, row.service_id.as_deref());
            if !may_patch(&c, is_self, manages_before, manages_after, touches) {
                return Err(AppError::forbidden());
            }
            if is_self && !row.active {
                return Err(AppError::Conflict("you cannot deactivate yourself".into()));
            }
            if !(touches.staff_fields || touches.profile_fields || touches.special_category) {
                return Ok(before);
            }
            check_references(
                conn,
                row.service_id.as_deref(),
                row.practitioner_role.as_deref(),
            )?;
            if queries::email_taken(conn, &row.email.to_lowercase(), Some(&row.id))? {
                return Err(AppError::Conflict(format!(
                    "a person with the email {} already exists",
                    row.email
                )));
            }
            row.updated_at = now;
            queries::update(conn, &row)?;
            if row.specialist_interests != before.0.specialist_interests {
                queries::set_interests(conn, &row.id, &json_list(&row.specialist_interests))?;
            }
            if before.0.active && !row.active {
                session::revoke_all(conn, &row.id, now)?;
            }
            let after = queries::find(conn, &row.id)?.ok_or(AppError::NotFound)?;
            audit::record(
                conn,
                Change {
                    actor_id: Some(&c.id),
                    action: "update",
                    entity_type: "practitioner",
                    entity_id: &row.id,
                    service_id: row.service_id.as_deref(),
                    before: audited(&before)?,
                    after: audited(&after)?,
                },
                now,
            )?;
            Ok(after)
        })
        .await?;
    let is_me = sees_special_category(&caller, &updated.0.id);
    state.callers.forget(&updated.0.id);
    Ok(HttpResponse::Ok().json(Person::view(updated, is_me)))
}

#[utoipa::path(
    delete, path = "/api/v1/practitioners/{id}", tag = "people",
    description = "Deactivates the person (never a hard delete): they can no longer log in, and their sessions end.",
    params(("id" = String, Path, description = "person id")),
    responses(
        (status = 204), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 409, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn deactivate_practitioner(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let id = parse_id(&id)?;
    let target = id.clone();
    state
        .write(move |conn| {
            let before = visible(conn, &caller, &id)?;
            match may_deactivate(
                &caller,
                &before.0.id,
                before.0.service_id.as_deref(),
                roles_from_text(&before.0.roles).contains(&Role::Admin),
            ) {
                Ok(()) => {}
                Err(DeactivationRefused::Yourself) => {
                    return Err(AppError::Conflict("you cannot deactivate yourself".into()))
                }
                Err(DeactivationRefused::NotAllowed) => return Err(AppError::forbidden()),
            }
            if !before.0.active {
                return Ok(());
            }
            diesel::update(users::table.find(&id))
                .set((
                    users::active.eq(false),
                    users::left_on.eq(before.0.left_on.unwrap_or_else(today)),
                    users::updated_at.eq(now),
                ))
                .execute(conn)?;
            session::revoke_all(conn, &id, now)?;
            let after = queries::find(conn, &id)?.ok_or(AppError::NotFound)?;
            audit::record(
                conn,
                Change {
                    actor_id: Some(&caller.id),
                    action: "deactivate",
                    entity_type: "practitioner",
                    entity_id: &id,
                    service_id: before.0.service_id.as_deref(),
                    before: audited(&before)?,
                    after: audited(&after)?,
                },
                now,
            )
        })
        .await?;
    state.callers.forget(&target);
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    post, path = "/api/v1/practitioners/{id}/invitation", tag = "people",
    description = "Sends a new invitation to a person who has not set a password yet; earlier links stop working.",
    params(("id" = String, Path, description = "person id")),
    responses(
        (status = 200, body = InvitationSent), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 409, body = crate::http::Problem, description = "the person already has a password or is deactivated"),
    ),
    security(("bearer" = []))
)]
pub async fn reinvite(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let id = parse_id(&id)?;
    let ttl = state.settings.invitation_ttl_days;
    let keys = state.tokens.clone();
    let (person, delivery, expires_at) = state
        .write(move |conn| {
            let found = visible(conn, &caller, &id)?;
            if !can_manage_people_of(&caller, found.0.service_id.as_deref()) {
                return Err(AppError::forbidden());
            }
            if !found.0.active || queries::has_password(conn, &id)? {
                return Err(AppError::Conflict("this person has already set a password or is deactivated".into()));
            }
            let (delivery, expires_at) = queue_invitation(conn, &keys, &found.0, ttl, now)?;
            audit::record(
                conn,
                Change {
                    actor_id: Some(&caller.id),
                    action: "invite",
                    entity_type: "practitioner",
                    entity_id: &id,
                    service_id: found.0.service_id.as_deref(),
                    before: None,
                    after: Some(serde_json::json!({"invitation_expires_at": crate::app::rfc3339(&expires_at)})),
                },
                now,
            )?;
            Ok((Person::view(found, false), delivery, expires_at))
        })
        .await?;
    Ok(HttpResponse::Ok().json(send_invitation(&state, &person, delivery, expires_at).await))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/practitioners", "GET, POST")
            .route(web::get().to(list_practitioners))
            .route(web::post().to(create_practitioner)),
    )
    .service(
        resource("/practitioners/{id}", "GET, PATCH, DELETE")
            .route(web::get().to(get_practitioner))
            .route(web::patch().to(patch_practitioner))
            .route(web::delete().to(deactivate_practitioner)),
    )
    .service(resource("/practitioners/{id}/invitation", "POST").route(web::post().to(reinvite)));
}
