//! Who holds which role: the `user_roles` rows, written with each person's role list.

use diesel::prelude::*;

use super::policy::Role;
use crate::db::schema::user_roles;

/// The ids of people holding `role`, as a subquery.
pub fn holders_of(
    role: Role,
) -> diesel::dsl::Select<
    diesel::dsl::Filter<user_roles::table, diesel::dsl::Eq<user_roles::role, Role>>,
    user_roles::user_id,
> {
    user_roles::table
        .filter(user_roles::role.eq(role))
        .select(user_roles::user_id)
}
