async def test_sign_up_and_sign_in(client):
    response = await client.post(
        "/api/v1/users",
        json={"phone": "010-1234-5678", "name": "김민준", "birth_date": "1990-05-17", "password": "correct-horse-42"},
    )
    assert response.status_code == 201, response.text
    response = await client.post("/api/v1/sessions", json={"phone": "01012345678", "password": "correct-horse-42"})
    assert response.status_code == 201, response.text
    token = response.json()["token"]
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["phone"] == "+821012345678"
