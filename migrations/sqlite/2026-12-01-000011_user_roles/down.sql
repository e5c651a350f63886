DROP TRIGGER users_roles_check_update;
DROP TRIGGER users_roles_check_insert;
DROP TABLE user_roles;
