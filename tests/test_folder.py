from model.io.folders import natural_key, neighbour_photo, photos_in


def make(folder, names):
    for n in names:
        (folder / n).write_bytes(b"x")


def test_photos_sort_as_a_file_manager_shows_them(tmp_path):
    make(tmp_path, ["scan10.jpg", "scan2.PNG", "Scan1.tif", ".hidden.jpg", "notes.txt", "scan3.jpg.part"])
    (tmp_path / "sub.jpg").mkdir()
    assert [p.name for p in photos_in(tmp_path)] == ["Scan1.tif", "scan2.PNG", "scan10.jpg"]
    assert natural_key("a2") < natural_key("a10")


def test_neighbours_step_and_stop_at_the_ends(tmp_path):
    make(tmp_path, ["a1.jpg", "a2.jpg", "a10.jpg"])
    assert neighbour_photo(tmp_path / "a2.jpg", 1) == tmp_path / "a10.jpg"
    assert neighbour_photo(tmp_path / "a2.jpg", -1) == tmp_path / "a1.jpg"
    assert neighbour_photo(tmp_path / "a10.jpg", 1) is None
    assert neighbour_photo(tmp_path / "a1.jpg", -1) is None


def test_a_photo_removed_meanwhile_still_has_neighbours(tmp_path):
    make(tmp_path, ["a1.jpg", "a3.jpg"])
    assert neighbour_photo(tmp_path / "a2.jpg", 1) == tmp_path / "a3.jpg"
    assert neighbour_photo(tmp_path / "a2.jpg", -1) == tmp_path / "a1.jpg"
    assert neighbour_photo(tmp_path / "gone" / "a2.jpg", 1) is None
