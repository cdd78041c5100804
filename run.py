"""Entry point for `flask --app run.py` and gunicorn (`gunicorn 'run:app'`)."""
from app import create_app

app = create_app()

if __name__ == "__main__":
    app.run()
