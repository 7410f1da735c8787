-- Two databases in one PostgreSQL: the engine's (camunda) and the application's (appeals).
CREATE DATABASE camunda OWNER appeals;
