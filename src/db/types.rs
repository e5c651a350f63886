//! Typed text columns: enums (and lists of them) stored as text on both backends. A stored
//! value that does not parse is a deserialisation error (logged, answered 500), never a silent
//! default; the migrations' CHECK constraints (triggers on SQLite) keep such values out.

/// A value stored as one text column.
pub trait TextColumn: Sized {
    /// What the column holds, for the error about a value that does not parse.
    const WHAT: &'static str;
    fn to_text(&self) -> String;
    fn from_text(s: &str) -> Option<Self>;
}

/// Implements diesel's `ToSql`/`FromSql<Text>` for a [`TextColumn`] type on PostgreSQL, SQLite
/// and the multi-backend connection. The type also derives `AsExpression` and `FromSqlRow` with
/// `#[diesel(sql_type = diesel::sql_types::Text)]`.
#[macro_export]
macro_rules! text_column {
    ($ty:ty) => {
        impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg> for $ty {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
            ) -> diesel::serialize::Result {
                use std::io::Write;
                out.write_all($crate::db::types::TextColumn::to_text(self).as_bytes())?;
                Ok(diesel::serialize::IsNull::No)
            }
        }

        impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::sqlite::Sqlite> for $ty {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::sqlite::Sqlite>,
            ) -> diesel::serialize::Result {
                out.set_value($crate::db::types::TextColumn::to_text(self));
                Ok(diesel::serialize::IsNull::No)
            }
        }

        impl diesel::serialize::ToSql<diesel::sql_types::Text, $crate::db::MultiBackend> for $ty {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, $crate::db::MultiBackend>,
            ) -> diesel::serialize::Result {
                out.set_value((diesel::sql_types::Text, self));
                Ok(diesel::serialize::IsNull::No)
            }
        }

        impl<DB: diesel::backend::Backend> diesel::deserialize::FromSql<diesel::sql_types::Text, DB>
            for $ty
        where
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let s = <String as diesel::deserialize::FromSql<
                                                                            diesel::sql_types::Text,
                                                                            DB,
                                                                        >>::from_sql(bytes)?;
                <$ty as $crate::db::types::TextColumn>::from_text(&s).ok_or_else(|| {
                    format!(
                        "the database holds {s:?}, which is not a known {}",
                        <$ty as $crate::db::types::TextColumn>::WHAT
                    )
                    .into()
                })
            }
        }
    };
}

/// A [`TextColumn`] for an enum with `as_str` and `parse`, and its diesel impls.
#[macro_export]
macro_rules! text_enum {
    ($ty:ty, $what:literal) => {
        impl $crate::db::types::TextColumn for $ty {
            const WHAT: &'static str = $what;
            fn to_text(&self) -> String {
                self.as_str().to_string()
            }
            fn from_text(s: &str) -> Option<Self> {
                <$ty>::parse(s)
            }
        }
        $crate::text_column!($ty);
    };
}

/// Declares an enum stored as text: its variants with their text, `as_str`, `parse`, `ALL`,
/// serde under the same names, the OpenAPI schema, and the diesel column impls, all from one
/// list, so a name is written once.
#[macro_export]
macro_rules! db_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident($what:literal) {
            $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
            diesel::AsExpression, diesel::FromSqlRow,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        $vis enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        // By hand, not derived: the derive does not read a `rename` given through a macro, and
        // would document the variants' Rust names instead of the texts served.
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($text),+]))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}

        $crate::text_enum!($name, $what);
    };
}
