ALTER TABLE users DROP CONSTRAINT users_roles_check;
DROP TABLE user_roles;
