//! Courses' JSON routes.

use actix_web::{web, HttpResponse};

use crate::accreditation::courses::{self as uc, Course, CoursePatch, CourseQuery, NewCourse};
use crate::app::AppState;
use crate::error::AppError;
use crate::http::caller::Auth;
use crate::http::page::{Page, PageRequest};
use crate::http::{parse_id, resource, Json};

#[utoipa::path(
    get, path = "/api/v1/courses", tag = "accreditation", params(CourseQuery),
    summary = "List courses",
    description = "**Who may call:** any signed-in person.",
    responses((status = 200, body = inline(Page<Course>)), (status = 401, body = crate::http::Problem), (status = 422, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn list_courses(
    state: web::Data<AppState>,
    _auth: Auth,
    q: web::Query<CourseQuery>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let filter = uc::course_filter(q.into_inner())?;
    let p = page.clone();
    let rows = state
        .db(move |conn| uc::list_courses(conn, &filter, &p, at))
        .await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(rows, &page, |c: &Course| &c.id)))
}

#[utoipa::path(
    post, path = "/api/v1/courses", tag = "accreditation", request_body = NewCourse,
    summary = "Add a course",
    description = "**Who may call:** admins (a shared course) and training leads (a course of their service).",
    responses(
        (status = 201, body = Course), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 422, body = crate::http::Problem, description = "e.g. the body does not accredit the modality"),
    ),
    security(("bearer" = []))
)]
pub async fn create_course(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    body: Json<NewCourse>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    uc::writer(&caller)?;
    let created = state
        .write(move |conn| uc::create_course(conn, &caller, body.0, at))
        .await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(
    get, path = "/api/v1/courses/{id}", tag = "accreditation",
    summary = "Read a course",
    params(("id" = String, Path, description = "course id")),
    description = "**Who may call:** any signed-in person.",
    responses((status = 200, body = Course), (status = 401, body = crate::http::Problem), (status = 404, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn get_course(
    state: web::Data<AppState>,
    _auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let id = parse_id(&id)?;
    let course = state.db(move |conn| uc::get_course(conn, &id, at)).await?;
    Ok(HttpResponse::Ok().json(course))
}

#[utoipa::path(
    patch, path = "/api/v1/courses/{id}", tag = "accreditation", request_body = CoursePatch,
    summary = "Change a course",
    params(("id" = String, Path, description = "course id")),
    description = "**Who may call:** admins; the training lead of the service that added it while no other service uses it.",
    responses(
        (status = 200, body = Course), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn patch_course(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
    body: Json<CoursePatch>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let id = parse_id(&id)?;
    uc::writer(&caller)?;
    let updated = state
        .write(move |conn| uc::update_course(conn, &caller, &id, body.0, at))
        .await?;
    Ok(HttpResponse::Ok().json(updated))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/courses", "GET, POST")
            .route(web::get().to(list_courses))
            .route(web::post().to(create_course)),
    )
    .service(
        resource("/courses/{id}", "GET, PATCH")
            .route(web::get().to(get_course))
            .route(web::patch().to(patch_course)),
    );
}
