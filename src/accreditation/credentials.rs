//! Practitioners' accreditations and registrations, each one period of one credential, with
//! who verified it, when and how; and the accreditation report.

use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{Duration, Months, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::cpd::{facts, load_rules, rule_for};
use super::rules::{cpd_check, credential_status, CpdCheck, CredentialStatus, EXPIRING_DAYS};
use super::{find_kind, person_for, Access};
use crate::app::AppState;
use crate::audit::{self, snapshot, Change};
use crate::auth::policy::{report_scope, PeopleScope};
use crate::auth::Auth;
use crate::db::schema::{accreditations, users};
use crate::db::DbConn;
use crate::http::page::{encode_cursor, Page, PageRequest};
use crate::http::{csv, parse_id, resource, validate, AppError, FieldError, Json};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = accreditations)]
pub struct AccreditationRow {
    pub id: String,
    pub practitioner_id: String,
    pub body_code: String,
    pub kind: String,
    pub membership_number: String,
    pub valid_from: NaiveDate,
    pub expires_on: NaiveDate,
    pub verified_by: Option<String>,
    pub verified_at: Option<NaiveDateTime>,
    pub verification_method: Option<String>,
    pub verification_reference: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Accreditation {
    pub id: String,
    pub practitioner_id: String,
    pub body: String,
    pub kind: String,
    pub membership_number: String,
    #[schema(value_type = String, format = Date)]
    pub valid_from: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub expires_on: NaiveDate,
    /// `pending_verification` until verified, then `active`, `expiring` (within 90 days) or `expired`.
    pub status: CredentialStatus,
    pub verified_by: Option<String>,
    #[serde(serialize_with = "crate::app::instant::option::serialize")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub verified_at: Option<NaiveDateTime>,
    pub verification_method: Option<String>,
    pub verification_reference: Option<String>,
    /// CPD for the next renewal, where the body has a CPD rule.
    pub cpd: Option<CpdCheck>,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

impl Accreditation {
    fn view(r: AccreditationRow, cpd: Option<CpdCheck>, today: NaiveDate) -> Accreditation {
        Accreditation {
            status: credential_status(r.verified_at.is_some(), r.expires_on, today),
            id: r.id,
            practitioner_id: r.practitioner_id,
            body: r.body_code,
            kind: r.kind,
            membership_number: r.membership_number,
            valid_from: r.valid_from,
            expires_on: r.expires_on,
            verified_by: r.verified_by,
            verified_at: r.verified_at,
            verification_method: r.verification_method,
            verification_reference: r.verification_reference,
            cpd,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccreditation {
    /// BPS, BABCP, BACP, BPC or IPTUK.
    pub body: String,
    /// A credential kind of that body (see `GET /credential-kinds`).
    pub kind: String,
    #[validate(length(min = 1, max = 64, message = "must be 1 to 64 characters"))]
    pub membership_number: String,
    #[schema(value_type = String, format = Date)]
    pub valid_from: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub expires_on: NaiveDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VerificationMethod {
    RegisterLookup,
    CertificateSeen,
    BodyConfirmation,
    Other,
}

impl VerificationMethod {
    fn as_str(self) -> &'static str {
        match self {
            VerificationMethod::RegisterLookup => "register_lookup",
            VerificationMethod::CertificateSeen => "certificate_seen",
            VerificationMethod::BodyConfirmation => "body_confirmation",
            VerificationMethod::Other => "other",
        }
    }
}

/// Records that someone checked the credential with the body: these registers have no API.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Verification {
    /// Must be true.
    pub verified: bool,
    pub verification_method: VerificationMethod,
    /// e.g. the register's entry or the certificate's number.
    #[validate(length(max = 500, message = "must be at most 500 characters"))]
    pub verification_reference: Option<String>,
}

fn find(conn: &mut DbConn, id: &str) -> Result<Option<AccreditationRow>, AppError> {
    Ok(accreditations::table
        .find(id)
        .select(AccreditationRow::as_select())
        .first(conn)
        .optional()?)
}

/// Views with their CPD check, for any number of rows, in two more queries.
pub fn with_cpd(
    conn: &mut DbConn,
    rows: Vec<AccreditationRow>,
    today: NaiveDate,
) -> Result<Vec<Accreditation>, AppError> {
    let rules = load_rules(conn)?;
    let people: Vec<&str> = rows.iter().map(|r| r.practitioner_id.as_str()).collect();
    let widest = rules
        .iter()
        .map(|(_, _, r)| r.period_months)
        .max()
        .unwrap_or(12)
        .max(0) as u32;
    let earliest = rows.iter().map(|r| r.expires_on).min().unwrap_or(today);
    let since = earliest
        .checked_sub_months(Months::new(widest))
        .unwrap_or(earliest);
    let mut by_person: HashMap<String, Vec<super::rules::CpdFact>> = HashMap::new();
    if !people.is_empty() && !rules.is_empty() {
        for (who, f) in facts(conn, &people, since)? {
            by_person.entry(who).or_default().push(f);
        }
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let cpd = rule_for(&rules, &r.body_code, &r.kind).map(|rule| {
                cpd_check(
                    rule,
                    by_person
                        .get(&r.practitioner_id)
                        .map(Vec::as_slice)
                        .unwrap_or(&[]),
                    r.expires_on,
                )
            });
            Accreditation::view(r, cpd, today)
        })
        .collect())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[utoipa::path(
    get, path = "/api/v1/practitioners/{id}/accreditations", tag = "accreditation", params(("id" = String, Path, description = "person id"), PageQuery),
    description = "Every period of every credential the person holds or held, with its status and, where the body has a CPD rule, whether the CPD for the next renewal is met so far.",
    responses((status = 200, body = inline(Page<Accreditation>)), (status = 401, body = crate::http::Problem), (status = 404, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn list_accreditations(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
    q: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let id = parse_id(&id)?;
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let p = page.clone();
    let today = now.date();
    let page_out = state
        .db(move |conn| {
            person_for(conn, &caller, &id, Access::Read)?;
            let mut s = accreditations::table
                .filter(accreditations::practitioner_id.eq(&id))
                .select(AccreditationRow::as_select())
                .into_boxed();
            if let Some(after) = &p.after {
                s = s.filter(accreditations::id.gt(after.clone()));
            }
            let rows: Vec<AccreditationRow> = s
                .order(accreditations::id.asc())
                .limit(p.fetch())
                .load(conn)?;
            let page = Page::from_rows(rows, &p, |r| &r.id);
            Ok(Page {
                items: with_cpd(conn, page.items, today)?,
                next_cursor: page.next_cursor,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(page_out))
}

#[utoipa::path(
    post, path = "/api/v1/practitioners/{id}/accreditations", tag = "accreditation", request_body = NewAccreditation,
    description = "Adds a credential period; it is `pending_verification` until a training lead or admin records the check. A renewal is a new period: history is never overwritten.",
    params(("id" = String, Path, description = "person id")),
    responses(
        (status = 201, body = Accreditation), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 409, body = crate::http::Problem, description = "the membership number is already recorded for this body"),
        (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn create_accreditation(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
    body: Json<NewAccreditation>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let id = parse_id(&id)?;
    let b = body.0;
    validate(&b)?;
    let today = now.date();
    let created = state
        .write(move |conn| {
            let service = person_for(conn, &caller, &id, Access::OwnerOrManager)?;
            let mut errors = Vec::new();
            if !super::body_exists(conn, &b.body)? {
                errors.push(FieldError::new("body", "must be BPS, BABCP, BACP, BPC or IPTUK"));
            } else if find_kind(conn, &b.body, &b.kind)?.is_none() {
                errors.push(FieldError::new("kind", format!("{} grants no credential called {}", b.body, b.kind)));
            }
            if b.expires_on < b.valid_from {
                errors.push(FieldError::new("expires_on", "cannot be before valid_from"));
            }
            if !errors.is_empty() {
                return Err(AppError::Validation(errors));
            }
            let number = b.membership_number.trim().to_string();
            let same: Vec<AccreditationRow> = accreditations::table
                .filter(accreditations::body_code.eq(&b.body))
                .filter(accreditations::membership_number.eq(&number))
                .select(AccreditationRow::as_select())
                .load(conn)?;
            for other in &same {
                if other.practitioner_id != id {
                    return Err(AppError::Conflict(format!("{} membership number {number} is already recorded for another person", b.body)));
                }
                if other.valid_from <= b.expires_on && b.valid_from <= other.expires_on {
                    return Err(AppError::Conflict(format!(
                        "{} membership number {number} is already recorded for a period overlapping this one; a renewal is a new period",
                        b.body
                    )));
                }
            }
            let row = AccreditationRow {
                id: uuid::Uuid::now_v7().to_string(),
                practitioner_id: id,
                body_code: b.body,
                kind: b.kind,
                membership_number: number,
                valid_from: b.valid_from,
                expires_on: b.expires_on,
                verified_by: None,
                verified_at: None,
                verification_method: None,
                verification_reference: None,
                created_at: now,
                updated_at: now,
            };
            diesel::insert_into(accreditations::table)
                .values((
                    accreditations::id.eq(&row.id),
                    accreditations::practitioner_id.eq(&row.practitioner_id),
                    accreditations::body_code.eq(&row.body_code),
                    accreditations::kind.eq(&row.kind),
                    accreditations::membership_number.eq(&row.membership_number),
                    accreditations::valid_from.eq(row.valid_from),
                    accreditations::expires_on.eq(row.expires_on),
                    accreditations::created_at.eq(now),
                    accreditations::updated_at.eq(now),
                ))
                .execute(conn)?;
            let view = with_cpd(conn, vec![row], today)?.remove(0);
            audit::record(conn, Change { actor_id: Some(&caller.id), action: "create", entity_type: "accreditation", entity_id: &view.id, service_id: service.as_deref(), before: None, after: snapshot(&view)? }, now)?;
            Ok(view)
        })
        .await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(
    patch, path = "/api/v1/accreditations/{id}", tag = "accreditation", request_body = Verification,
    description = "A training lead or admin records that they checked the credential: who, when (now), how and the reference. Nobody verifies their own.",
    params(("id" = String, Path, description = "accreditation id")),
    responses(
        (status = 200, body = Accreditation), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 409, body = crate::http::Problem, description = "already verified"),
        (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn verify(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
    body: Json<Verification>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let id = parse_id(&id)?;
    let b = body.0;
    validate(&b)?;
    if !b.verified {
        return Err(AppError::invalid(
            "verified",
            "must be true: a verification cannot be undone, record a new period instead",
        ));
    }
    let today = now.date();
    let updated = state
        .write(move |conn| {
            let before = find(conn, &id)?.ok_or(AppError::NotFound)?;
            let service = person_for(
                conn,
                &caller,
                &before.practitioner_id,
                Access::ManagerNotOwner,
            )?;
            if before.verified_at.is_some() {
                return Err(AppError::Conflict(
                    "this credential is already verified".into(),
                ));
            }
            let mut row = before.clone();
            row.verified_by = Some(caller.id.clone());
            row.verified_at = Some(now);
            row.verification_method = Some(b.verification_method.as_str().into());
            row.verification_reference = b
                .verification_reference
                .map(|r| r.trim().to_string())
                .filter(|r| !r.is_empty());
            row.updated_at = now;
            diesel::update(
                accreditations::table
                    .find(&id)
                    .filter(accreditations::verified_at.is_null()),
            )
            .set((
                accreditations::verified_by.eq(&row.verified_by),
                accreditations::verified_at.eq(row.verified_at),
                accreditations::verification_method.eq(&row.verification_method),
                accreditations::verification_reference.eq(&row.verification_reference),
                accreditations::updated_at.eq(now),
            ))
            .execute(conn)?;
            let mut views = with_cpd(conn, vec![before, row], today)?;
            let after = views.remove(1);
            audit::record(
                conn,
                Change {
                    actor_id: Some(&caller.id),
                    action: "verify",
                    entity_type: "accreditation",
                    entity_id: &id,
                    service_id: service.as_deref(),
                    before: snapshot(&views[0])?,
                    after: snapshot(&after)?,
                },
                now,
            )?;
            Ok(after)
        })
        .await?;
    Ok(HttpResponse::Ok().json(updated))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    pub service_id: Option<String>,
    pub body: Option<String>,
    pub kind: Option<String>,
    /// `pending_verification`, `active`, `expiring` or `expired`.
    pub status: Option<String>,
    /// Rows per page (1 to 500, default 50); CSV answers every row.
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportRow {
    pub practitioner_id: String,
    pub full_name: String,
    pub service_id: Option<String>,
    #[serde(flatten)]
    pub accreditation: Accreditation,
}

const EXPORT_BATCH: i64 = 1000;

fn status_of(s: &str) -> Result<CredentialStatus, AppError> {
    match s {
        "pending_verification" => Ok(CredentialStatus::PendingVerification),
        "active" => Ok(CredentialStatus::Active),
        "expiring" => Ok(CredentialStatus::Expiring),
        "expired" => Ok(CredentialStatus::Expired),
        _ => Err(AppError::invalid(
            "status",
            "must be pending_verification, active, expiring or expired",
        )),
    }
}

/// One page of report rows in three queries (rows with their people, CPD rules, CPD facts).
fn report_page(
    conn: &mut DbConn,
    scope: &PeopleScope,
    q: &ReportQuery,
    status: Option<CredentialStatus>,
    page: &PageRequest,
    today: NaiveDate,
) -> Result<(Vec<ReportRow>, Option<String>), AppError> {
    let mut s = accreditations::table
        .inner_join(users::table.on(accreditations::practitioner_id.eq(users::id)))
        .select((
            AccreditationRow::as_select(),
            users::full_name,
            users::service_id,
        ))
        .into_boxed();
    if let PeopleScope::Service(id) = scope {
        s = s.filter(users::service_id.eq(id.clone()));
    }
    if let Some(v) = &q.service_id {
        s = s.filter(users::service_id.eq(v.clone()));
    }
    if let Some(v) = &q.body {
        s = s.filter(accreditations::body_code.eq(v.clone()));
    }
    if let Some(v) = &q.kind {
        s = s.filter(accreditations::kind.eq(v.clone()));
    }
    let soon = today + Duration::days(EXPIRING_DAYS);
    s = match status {
        Some(CredentialStatus::PendingVerification) => {
            s.filter(accreditations::verified_at.is_null())
        }
        Some(CredentialStatus::Expired) => s
            .filter(accreditations::verified_at.is_not_null())
            .filter(accreditations::expires_on.lt(today)),
        Some(CredentialStatus::Expiring) => s
            .filter(accreditations::verified_at.is_not_null())
            .filter(accreditations::expires_on.ge(today))
            .filter(accreditations::expires_on.le(soon)),
        Some(CredentialStatus::Active) => s
            .filter(accreditations::verified_at.is_not_null())
            .filter(accreditations::expires_on.gt(soon)),
        None => s,
    };
    if let Some(after) = &page.after {
        s = s.filter(accreditations::id.gt(after.clone()));
    }
    let rows: Vec<(AccreditationRow, String, Option<String>)> = s
        .order(accreditations::id.asc())
        .limit(page.fetch())
        .load(conn)?;
    let (rows, next) = page.split(rows, |r| &r.0.id);
    let people: Vec<(String, Option<String>)> =
        rows.iter().map(|r| (r.1.clone(), r.2.clone())).collect();
    let views = with_cpd(conn, rows.into_iter().map(|r| r.0).collect(), today)?;
    let out = views
        .into_iter()
        .zip(people)
        .map(|(a, (full_name, service_id))| ReportRow {
            practitioner_id: a.practitioner_id.clone(),
            full_name,
            service_id,
            accreditation: a,
        })
        .collect();
    Ok((out, next))
}

const CSV_HEADER: [&str; 16] = [
    "practitioner_id",
    "full_name",
    "service_id",
    "accreditation_id",
    "body",
    "kind",
    "membership_number",
    "valid_from",
    "expires_on",
    "status",
    "verified_by",
    "verified_at",
    "verification_method",
    "verification_reference",
    "cpd_met",
    "cpd_missing",
];

fn csv_row(out: &mut String, r: &ReportRow) {
    let a = &r.accreditation;
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    csv::push_row(
        out,
        &[
            r.practitioner_id.clone(),
            r.full_name.clone(),
            o(&r.service_id),
            a.id.clone(),
            a.body.clone(),
            a.kind.clone(),
            a.membership_number.clone(),
            a.valid_from.to_string(),
            a.expires_on.to_string(),
            a.status.as_str().to_string(),
            o(&a.verified_by),
            a.verified_at
                .as_ref()
                .map(crate::app::rfc3339)
                .unwrap_or_default(),
            o(&a.verification_method),
            o(&a.verification_reference),
            a.cpd
                .as_ref()
                .map(|c| c.met.to_string())
                .unwrap_or_default(),
            a.cpd
                .as_ref()
                .map(|c| c.missing.join("; "))
                .unwrap_or_default(),
        ],
    );
}

#[utoipa::path(
    get, path = "/api/v1/reports/accreditation", tag = "reports", params(ReportQuery),
    description = "One row per practitioner and accreditation. `Accept: text/csv` answers every row as CSV (RFC 4180; cells a spreadsheet would run as formulas are prefixed with ').",
    responses(
        (status = 200, body = inline(Page<ReportRow>), content_type = "application/json"),
        (status = 200, body = String, content_type = "text/csv"),
        (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn accreditation_report(
    state: web::Data<AppState>,
    req: HttpRequest,
    Auth(caller): Auth,
    q: web::Query<ReportQuery>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let scope = report_scope(&caller).ok_or_else(AppError::forbidden)?;
    let q = q.into_inner();
    let status = q.status.as_deref().map(status_of).transpose()?;
    let today = now.date();
    if csv::wanted(&req) {
        return csv::stream(
            &state,
            "accreditation.csv",
            &CSV_HEADER,
            EXPORT_BATCH,
            move |conn, page| report_page(conn, &scope, &q, status, page, today),
            csv_row,
        )
        .await;
    }
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let p = page.clone();
    let (rows, next) = state
        .db(move |conn| report_page(conn, &scope, &q, status, &p, today))
        .await?;
    Ok(HttpResponse::Ok().json(Page {
        items: rows,
        next_cursor: next.as_deref().map(encode_cursor),
    }))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/practitioners/{id}/accreditations", "GET, POST")
            .route(web::get().to(list_accreditations))
            .route(web::post().to(create_accreditation)),
    )
    .service(resource("/accreditations/{id}", "PATCH").route(web::patch().to(verify)))
    .service(resource("/reports/accreditation", "GET").route(web::get().to(accreditation_report)));
}
