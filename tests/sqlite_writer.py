"""One member of staff hammering the API, in its own process: `python -m tests.sqlite_writer
DATABASE_URL CHILD_ID SERVICE_ID FIRST_DAY`. Prints the count of each HTTP status it got."""
import json
import sys
from collections import Counter
from datetime import date, timedelta

from tests.support import PASSWORD


def main(url, child_id, service_id, first_day):
    from app import create_app

    app = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=url)
    client = app.test_client()
    token = client.post("/api/v1/security/login", json={
        "username": "agent", "password": PASSWORD, "provider": "db"}).get_json()["access_token"]
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    statuses = Counter()
    day = date.fromisoformat(first_day)
    for n in range(16):
        while day.weekday() not in (0, 1, 3, 4):
            day += timedelta(days=1)
        created = client.post("/api/v1/booking/", json={
            "person_id": child_id, "service_id": service_id, "date": day.isoformat()})
        statuses[created.status_code] += 1
        statuses[client.get(f"/api/v1/booking/?q=(filters:!((col:person_id,opr:eq,"
                            f"value:{child_id})))").status_code] += 1
        if n % 3 == 0 and created.status_code == 201:
            statuses[client.delete(
                f"/api/v1/booking/{created.get_json()['id']}").status_code] += 1
        day += timedelta(days=1)
    print(json.dumps(statuses))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
