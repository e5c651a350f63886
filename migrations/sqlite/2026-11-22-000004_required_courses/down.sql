DROP TABLE required_courses;
