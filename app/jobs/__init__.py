"""Long work as jobs: a registry of job kinds, kampmo's ``jobs`` table (the API's source of
truth), and two runners behind one API: job workers over Procrastinate on PostgreSQL
(``kampmo worker``), a thread pool inside the server on SQLite."""
