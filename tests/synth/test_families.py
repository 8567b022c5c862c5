"""Scene families of the synthetic generator: ground, clutter, protocol (12 m flights)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
import typer
from typer.testing import CliRunner

from rams.cli import synth as synth_cli
from rams.errors import RamsInputError
from rams.synth import SynthFlight, generate_flight
from rams.synth.families import (
    COMBINER_FAMILY,
    DETECTOR_FAMILIES,
    FAMILIES,
    HELD_OUT_FAMILIES,
    HELD_OUT_FAMILY,
    TRAINING_FAMILIES,
)
from rams.synth.flight import DEFAULT_GSD_M
from rams.synth.layout import MIN_SPACING_M, _Placer
from tests.synth.probe import contrast, load_json, patch_at, truth_points

FILES = ("ms.tif", "thermal.tif", "rgb.tif", "flight.yaml", "truth.geojson", "synth.json")
SIZE_M, SEED = 12.0, 1  # 3 PFM-1 in a minefield

NEW_CLASSES = {
    "sand-litter": {"boot_print", "plastic_bottle", "can", "paper", "stone"},
    "rocky-scrub": {"stone"},
    "ploughed": {"clod", "stone"},
    "meadow": {"stone", "can", "plastic_bottle", "paper", "dung"},
    "stubble": {"brick", "stone", "can"},
    "orchard": {"fruit", "branch", "stone", "can"},
    "riverbank": {"pebble", "driftwood", "stone", "can", "plastic_bottle"},
    "burnt": {"charcoal", "ash", "stone", "can"},
    "sunflower": {"seedhead", "stalk", "stone", "can"},
    "gravel-plain": {"cobble", "cartridge", "stone", "can"},
    "savanna": {"termite_mound", "tussock", "dung", "stone", "can"},
    "rubble": {"concrete", "rebar", "glass", "stone", "can"},
    "winter-wheat": {"crater", "fragment", "stone", "can"},
    "front-line": {"steel_scrap", "wire", "stone", "can"},
    "karst": {"limestone", "crushed_tin", "stone", "can"},
    "paddy": {"snail_shell", "straw_bundle", "stone", "can"},
    "pine-edge": {"pine_cone", "deadwood", "stone", "can"},
    "vineyard": {"vine_clip", "pruned_cane", "stone", "can"},
    "maize-stubble": {"maize_cob", "maize_stalk", "stone", "can"},
    "rail-embankment": {"rail_clip", "sleeper_chunk", "stone", "can"},
    "marsh-edge": {"shotgun_shell", "reed_stem", "stone", "can"},
    "potato-harvest": {"potato", "haulm", "stone", "can"},
    "hill-pasture": {"wool_tuft", "dung_pat", "stone", "can"},
    "walnut-grove": {"fallen_leaf", "walnut_husk", "stone", "can"},
    "date-palm": {"date_strand", "date_fruit", "stone", "can"},
    "olive-grove": {"olive_twig", "tile_shard", "stone", "can"},
    "cotton-field": {"cotton_boll", "cotton_stalk", "stone", "can"},
    "cassava-plot": {"cassava_stem", "cassava_root", "stone", "can"},
    "village-edge": {"plastic_bag", "foil_wrapper", "stone", "can"},
}


@pytest.fixture(scope="module")
def flights(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SynthFlight]:
    root = tmp_path_factory.mktemp("families")
    return {fam: generate_flight(root / fam, size_m=SIZE_M, seed=SEED, family=fam) for fam in FAMILIES}


def _valid_rgb(path: Path) -> np.ndarray:
    """(n, 3) RGB values of the pixels inside the footprint."""
    with rasterio.open(path) as src:
        a = src.read()
    return a[:3, a[3] > 0].T.astype(np.float64)


def _valid(path: Path) -> np.ndarray:
    """(bands, n) values of the valid pixels of an ms or thermal raster."""
    with rasterio.open(path) as src:
        a = src.read(masked=True)
    return np.stack([b.compressed() for b in a]).astype(np.float64)


def test_protocol_constants() -> None:
    assert FAMILIES[0] == "steppe" and len(FAMILIES) >= 4
    assert HELD_OUT_FAMILY == "ploughed"
    assert HELD_OUT_FAMILIES == (HELD_OUT_FAMILY, "stubble", "orchard", "riverbank", "burnt", "sunflower",
                                 "gravel-plain", "savanna", "rubble", "winter-wheat", "front-line", "karst", "paddy", "pine-edge", "vineyard",
                                 "maize-stubble", "rail-embankment", "marsh-edge", "potato-harvest", "hill-pasture", "walnut-grove", "date-palm",
                                 "olive-grove", "cotton-field", "cassava-plot", "village-edge", "basalt-plateau", "salt-flat", "peat-moor",
                                 "lichen-tundra", "snowmelt-field", "coffee-slope", "qat-terrace", "forest-belt", "wadi",
                                 "palmyra-sand")
    assert not set(HELD_OUT_FAMILIES) & set(TRAINING_FAMILIES)
    assert set(TRAINING_FAMILIES) | set(HELD_OUT_FAMILIES) == set(FAMILIES)
    # The combiner is fitted on a family the detectors never train on.
    assert COMBINER_FAMILY in TRAINING_FAMILIES and COMBINER_FAMILY not in DETECTOR_FAMILIES
    assert HELD_OUT_FAMILY not in DETECTOR_FAMILIES and "steppe" in DETECTOR_FAMILIES


def test_rgb_gsd_is_half_cm(flights: dict[str, SynthFlight], tmp_path: Path) -> None:
    assert DEFAULT_GSD_M["rgb"] == 0.005
    with rasterio.open(flights["sand-litter"].rgb_path) as src:
        assert src.transform.a == pytest.approx(0.005) and src.transform.e == pytest.approx(-0.005)
        assert src.width == pytest.approx(SIZE_M / 0.005, rel=0.15)
    runner = CliRunner()
    app = typer.Typer()
    synth_cli.register(app)
    app.command("noop")(lambda: None)
    result = runner.invoke(app, ["synth", str(tmp_path / "g2"), "--size-m", "8", "--seed", "0", "--rgb-gsd-m", "0.02"])
    assert result.exit_code == 0, result.output
    with rasterio.open(tmp_path / "g2" / "rgb.tif") as src:
        assert src.transform.a == pytest.approx(0.02)


def test_family_recorded(flights: dict[str, SynthFlight]) -> None:
    for fam, flight in flights.items():
        assert load_json(flight.meta_path)["family"] == fam
        assert load_json(flight.truth_path)["family"] == fam
        assert flight.family == fam
        assert flight.flight_id == (f"synth-s{SEED}" if fam == "steppe" else f"synth-{fam}-s{SEED}")
        assert f"flight_id: {flight.flight_id}\n" in flight.manifest_path.read_text()


def test_mines_same_in_every_family(flights: dict[str, SynthFlight]) -> None:
    def mine_features(flight: SynthFlight) -> list[dict]:
        truth = load_json(flight.truth_path)
        return [f for f in truth["features"] if f["properties"]["kind"] in ("mine", "minefield")]

    reference = mine_features(flights["steppe"])
    assert [f["properties"]["class"] for f in reference if "class" in f["properties"]] == ["PFM-1"] * 3
    for fam in FAMILIES[1:]:
        assert mine_features(flights[fam]) == reference, fam


def test_new_distractor_classes(flights: dict[str, SynthFlight]) -> None:
    steppe = {d["properties"]["class"] for d in truth_points(flights["steppe"].out_dir, "distractor")}
    assert steppe == {"rock", "metal_debris", "warm_patch"}
    for fam, expected in NEW_CLASSES.items():
        seen = {d["properties"]["class"] for d in truth_points(flights[fam].out_dir, "distractor")}
        assert expected <= seen, (fam, seen)
    stones = [d for d in truth_points(flights["rocky-scrub"].out_dir, "distractor")
              if d["properties"]["class"] == "stone"]
    # "many stones": about 0.15 per m2 on rocky ground.
    assert len(stones) > 0.08 * SIZE_M**2


def test_families_differ_in_every_sensor(flights: dict[str, SynthFlight]) -> None:
    rgb = {fam: np.median(_valid_rgb(f.rgb_path), axis=0) for fam, f in flights.items()}
    # Pale sand against brown steppe soil and grass.
    assert rgb["sand-litter"].mean() - rgb["steppe"].mean() > 40
    # Grey rocky ground: red and blue close (steppe soil is clearly red over blue).
    assert abs(rgb["rocky-scrub"][0] - rgb["rocky-scrub"][2]) < 15 < rgb["steppe"][0] - rgb["steppe"][2]
    # Dark loam.
    assert rgb["ploughed"].mean() < rgb["steppe"].mean() - 10
    ms = {fam: np.median(_valid(f.ms_path), axis=1) for fam, f in flights.items()}
    assert ms["sand-litter"][0] > 1.8 * ms["steppe"][0]  # blue reflectance of sand
    assert ms["ploughed"][2] < ms["steppe"][2]  # red of dark loam
    temp = {fam: float(np.median(_valid(f.thermal_path))) for fam, f in flights.items()}
    assert temp["sand-litter"] > temp["steppe"] + 1.0  # dry sand, few plants
    # Meadow: a darker sward than the steppe, high NIR/red (NDVI) and cooler.
    assert rgb["meadow"].mean() < rgb["steppe"].mean() - 5
    ndvi = {fam: (m[4] - m[2]) / (m[4] + m[2]) for fam, m in ms.items()}
    assert ndvi["meadow"] > ndvi["steppe"] + 0.1
    assert temp["meadow"] < temp["steppe"] - 1.0
    # Stubble: pale straw over light loam, warm and dry (little vegetation cooling).
    assert rgb["stubble"].mean() > rgb["steppe"].mean() + 10
    assert temp["stubble"] > temp["steppe"] + 1.0


def _stripe_peak(image: np.ndarray, gsd_m: float) -> tuple[float, float, float]:
    """The strongest 2-D Fourier component with a period between 0.3 and 2 m.

    Returns:
        (frequency in cycles/m, direction across the stripes in rad mod pi, share of the
        band's power within one bin of that peak and its mirror).
    """
    a = image - image.mean()
    a *= np.hanning(a.shape[0])[:, None] * np.hanning(a.shape[1])[None, :]
    power = np.fft.fftshift(np.abs(np.fft.fft2(a)) ** 2)
    fy = np.fft.fftshift(np.fft.fftfreq(a.shape[0], gsd_m))[:, None]
    fx = np.fft.fftshift(np.fft.fftfreq(a.shape[1], gsd_m))[None, :]
    f = np.hypot(fx, fy)
    band = (f > 0.5) & (f < 1 / 0.3)
    in_band = np.where(band, power, 0.0)
    i, j = np.unravel_index(np.argmax(in_band), power.shape)
    # Image rows run south: north is -fy.
    direction = math.atan2(-float(fy[i, 0]), float(fx[0, j])) % math.pi
    ci, cj = a.shape[0] // 2, a.shape[1] // 2  # zero frequency after fftshift
    near = sum(in_band[r - 1 : r + 2, c - 1 : c + 2].sum() for r, c in ((i, j), (2 * ci - i, 2 * cj - j)))
    return float(f[i, j]), direction, float(near / in_band.sum())


@pytest.mark.parametrize("name", ["rgb.tif", "thermal.tif"])
def test_ploughed_furrows_are_periodic(flights: dict[str, SynthFlight], name: str) -> None:
    furrows = load_json(flights["ploughed"].meta_path)["scene"]["furrows"]
    pitch_m, across = furrows["pitch_m"], math.radians(furrows["across_deg"])
    share = {}
    for fam in ("ploughed", "steppe"):
        with rasterio.open(flights[fam].out_dir / name) as src:
            gsd = src.transform.a
            n = int(6.0 / gsd)  # a central 6 m square, inside every footprint
            r0, c0 = (src.height - n) // 2, (src.width - n) // 2
            band = src.read(1, window=rasterio.windows.Window(c0, r0, n, n)).astype(np.float64)
        freq, direction, share[fam] = _stripe_peak(band, gsd)
        if fam == "ploughed":
            assert freq == pytest.approx(1.0 / pitch_m, abs=1.5 / 6.0)  # 1.5 frequency bins
            err = abs(direction - across % math.pi)
            assert min(err, math.pi - err) < math.radians(8)
    # Measured: ploughed 0.89 (rgb) and 0.78 (thermal); steppe 0.14 and 0.24.
    assert share["ploughed"] > 0.6 and share["steppe"] < 0.4


def test_litter_and_prints_visible(flights: dict[str, SynthFlight]) -> None:
    flight = flights["sand-litter"]
    prints = []
    for d in truth_points(flight.out_dir, "distractor"):
        lon, lat = d["geometry"]["coordinates"]
        cls = d["properties"]["class"]
        if cls in ("plastic_bottle", "can", "paper"):
            rgb = patch_at(flight.rgb_path, lon, lat, 30, bands=[1, 2, 3])
            assert np.abs(contrast(rgb, 1, 25)).max() > 25, d["properties"]
        elif cls == "boot_print":
            rgb = patch_at(flight.rgb_path, lon, lat, 30, bands=[1, 2, 3])
            if (rgb > 0).all():
                prints.append(contrast(rgb, 1, 25).mean())
    # A print darkens the sand by 15 to 25 %: about -30 DN (other prints nearby blur the ring).
    assert len(prints) > 10 and np.median(prints) < -20


def test_mines_visible_in_every_family(flights: dict[str, SynthFlight]) -> None:
    for fam, flight in flights.items():
        for m in truth_points(flight.out_dir, "mine"):
            lon, lat = m["geometry"]["coordinates"]
            # A PFM-1 is 12 x 6 cm: 24 px long at 0.5 cm.
            # same ground geometry as at 1 cm: a 25 cm patch, the ring beyond 15 cm
            rgb = patch_at(flight.rgb_path, lon, lat, 50, bands=[1, 2, 3])
            assert np.abs(contrast(rgb, 2, 30)).max() > 20, (fam, m["properties"])


def test_deterministic_family(tmp_path: Path, flights: dict[str, SynthFlight]) -> None:
    again = generate_flight(tmp_path / "again", size_m=SIZE_M, seed=SEED, family="sand-litter")
    for name in FILES:
        assert (again.out_dir / name).read_bytes() == (flights["sand-litter"].out_dir / name).read_bytes(), name
    for name in ("rgb.tif", "ms.tif", "thermal.tif", "truth.geojson"):
        assert (flights["rocky-scrub"].out_dir / name).read_bytes() != (again.out_dir / name).read_bytes()


def test_unknown_family(tmp_path: Path) -> None:
    with pytest.raises(RamsInputError) as err:
        generate_flight(tmp_path / "x", size_m=8.0, seed=0, family="desert")
    for fam in FAMILIES:
        assert fam in str(err.value)
    assert not (tmp_path / "x").exists()
    app = typer.Typer()
    synth_cli.register(app)
    app.command("noop")(lambda: None)
    bad = CliRunner().invoke(app, ["synth", str(tmp_path / "y"), "--size-m", "8", "--family", "desert"])
    assert isinstance(bad.exception, RamsInputError)
    assert all(fam in str(bad.exception) for fam in FAMILIES)


def test_placer_matches_all_pairs_check() -> None:
    """The cell-binned placer accepts exactly what testing every placed object accepts."""
    rng = np.random.default_rng(0)
    placer = _Placer()
    placed: list[tuple[float, float, float, bool]] = []
    decisions = []
    for _ in range(1500):
        x, y = rng.uniform(0.0, 30.0, size=2)
        radius = float(rng.choice([0.06, 0.15, 0.4, 0.75]))
        is_mine = bool(rng.random() < 0.2)
        expected = all(
            math.hypot(px - x, py - y) >= (MIN_SPACING_M if m and is_mine else
                                           MIN_SPACING_M + r + radius if m or is_mine else 0.2 + r + radius)
            for px, py, r, m in placed
        )
        got = placer.fits(float(x), float(y), radius, is_mine)
        assert got == expected
        decisions.append(got)
        if got:
            placer.add(float(x), float(y), radius, is_mine)
            placed.append((float(x), float(y), radius, is_mine))
    assert 50 < sum(decisions) < 1400


def test_ground_jitter_redraws_ground_not_objects(tmp_path: Path, flights: dict[str, SynthFlight]) -> None:
    from rams.synth.families import family_spec, jittered_family

    base = family_spec("steppe")
    a, b = jittered_family(base, 3), jittered_family(base, 4)
    assert a == jittered_family(base, 3)  # deterministic per seed
    assert a.ground != b.ground and a.ground != base.ground
    assert a.clutter == base.clutter and a.furrows == base.furrows
    for spec in (a, b):
        g = spec.ground
        for colour in (g.soil_rgb, g.grass_rgb, g.road_rgb, g.soil_refl):
            assert all(0.0 < v < 1.0 for v in colour)
    jittered = generate_flight(tmp_path / "j", size_m=SIZE_M, seed=SEED, family="steppe", ground_jitter=True)
    plain = flights["steppe"]
    # Same objects and truth; different ground pixels; recorded in synth.json.
    assert jittered.truth_path.read_bytes() == plain.truth_path.read_bytes()
    assert load_json(jittered.meta_path)["ground_jitter"] is True
    assert load_json(plain.meta_path)["ground_jitter"] is False
    rgb_j, rgb_p = _valid_rgb(jittered.rgb_path), _valid_rgb(plain.rgb_path)
    assert np.abs(np.median(rgb_j, 0) - np.median(rgb_p, 0)).max() > 5


def test_dung_is_kept_from_the_detector_families() -> None:
    """Cow pats are the combiner family's own clutter: no detector ever trains on them."""
    from rams.synth.families import family_spec

    for fam in DETECTOR_FAMILIES:
        spec = family_spec(fam).clutter
        assert "dung" not in {c for c, _ in spec.per_200m} | set(spec.in_field), fam
    meadow = family_spec(COMBINER_FAMILY).clutter
    assert "dung" in {c for c, _ in meadow.per_200m}


def test_clutter_jitter_camouflages_clutter_not_mines() -> None:
    """Clutter jitter pulls distractor colours towards the soil, adds stones, leaves mines alone."""
    from rams.synth.catalog import look
    from rams.synth.families import CLUTTER_TINT, clutter_jittered_family, family_spec
    from rams.synth.render import distractor_colour
    from rams.synth.scene import build_scene

    base = family_spec("steppe")
    spec = clutter_jittered_family(base)
    assert spec.ground == base.ground and spec.clutter_tint == CLUTTER_TINT
    assert "stone" in {c for c, _ in spec.clutter.per_200m} and "stone" not in {c for c, _ in base.clutter.per_200m}
    rocky = family_spec("rocky-scrub")
    assert clutter_jittered_family(rocky).clutter == rocky.clutter  # has stones already
    plain = build_scene(40.0, 113, "steppe", ground_jitter=True)
    camo = build_scene(40.0, 113, "steppe", ground_jitter=True, clutter_jitter=True)
    assert [(m.cls, m.x_m, m.y_m) for m in camo.mines] == [(m.cls, m.x_m, m.y_m) for m in plain.mines]
    assert sum(d.cls == "stone" for d in camo.distractors) > 10
    assert not any(d.cls == "stone" for d in plain.distractors)
    for obj in plain.distractors:  # no clutter jitter: catalogue colours
        if look(obj.cls).rgb:
            np.testing.assert_array_equal(distractor_colour(plain, obj, "rgb"), np.float32(look(obj.cls).rgb[obj.variant]))
    soil = np.array(camo.spec.ground.soil_rgb)
    shares = []
    for obj in camo.distractors:
        if not look(obj.cls).rgb:  # thermal-only warm patches
            continue
        catalogue = np.array(look(obj.cls).rgb[obj.variant])
        got = distractor_colour(camo, obj, "rgb")
        np.testing.assert_array_equal(got, distractor_colour(camo, obj, "rgb"))  # deterministic
        # got = (1 - t) c + t s k with k in [0.75, 1.25]: the share t of the way to the soil tone.
        shares.append(np.linalg.norm(got - catalogue) / np.linalg.norm(soil - catalogue))
    assert 0.15 < float(np.median(shares)) < CLUTTER_TINT * 1.3
    assert max(shares) > 0.5 and min(shares) < 0.2  # each object its own share
    for mine in camo.mines:
        np.testing.assert_array_equal(distractor_colour(camo, mine, "ms"),
                                      np.float32(look(mine.cls).reflectance[mine.variant]))


def test_oddments_add_any_colour_clutter_to_a_training_family_and_never_to_a_held_out_one(tmp_path: Path) -> None:
    """Oddments: mine-sized objects of any hue, one colour per object in every sensor; the family's own objects stay."""
    import colorsys

    from rams.synth.catalog import ODDMENTS, look
    from rams.synth.families import family_spec, with_oddments
    from rams.synth.render import distractor_colour
    from rams.synth.scene import build_scene

    for fam in HELD_OUT_FAMILIES:
        with pytest.raises(ValueError, match="held-out"):
            with_oddments(family_spec(fam))
    plain = build_scene(40.0, 205, "rocky-scrub")
    odd = build_scene(40.0, 205, "rocky-scrub", oddments=True)
    assert [(m.cls, m.x_m, m.y_m) for m in odd.mines] == [(m.cls, m.x_m, m.y_m) for m in plain.mines]
    # outside the minefields the family's own clutter is drawn first, as before
    own = [(d.cls, d.x_m, d.y_m) for d in odd.distractors if d.minefield_id is None and d.cls not in ODDMENTS]
    assert own == [(d.cls, d.x_m, d.y_m) for d in plain.distractors if d.minefield_id is None]
    oddments = [d for d in odd.distractors if d.cls in ODDMENTS]
    assert {d.cls for d in oddments} == set(ODDMENTS) and len(oddments) > 30
    assert any(d.minefield_id is not None for d in oddments)  # inside the fields as well
    hues = set()
    for d in oddments:
        rgb = distractor_colour(odd, d, "rgb")
        np.testing.assert_array_equal(rgb, distractor_colour(odd, d, "rgb"))  # one colour per object
        ms = distractor_colour(odd, d, "ms")
        # the spectrum's visible bands are the display colour's (B, G, R order), darker
        np.testing.assert_allclose(ms[:3], np.clip(0.4 * rgb[::-1], 0.01, 0.95), rtol=1e-5)
        h, sat, _ = colorsys.rgb_to_hsv(*rgb)
        if sat > 0.3:
            hues.add(int(h * 6))
        assert look(d.cls).half_length_m * d.scale < 0.2  # mine-sized: under 40 cm long
    assert len(hues) == 6  # every sextant of hue, not a palette
    # a flight records it, and the oddments are in its RGB
    generate_flight(tmp_path / "odd", size_m=SIZE_M, seed=SEED, family="steppe", oddments=True)
    assert load_json(tmp_path / "odd" / "synth.json")["oddments"] is True


def test_metal_oddments_are_small_steel_drawn_only_into_training_flights(tmp_path: Path) -> None:
    """Metal oddments: PFM-1 sized steel chips and plates, catalogue colours, cool bare steel; never held out."""
    from rams.synth.catalog import METAL_ODDMENTS, MINES, ODDMENTS, look
    from rams.synth.families import family_spec, with_oddments
    from rams.synth.scene import build_scene

    for fam in HELD_OUT_FAMILIES:
        with pytest.raises(ValueError, match="held-out"):
            with_oddments(family_spec(fam), "metal")
    with pytest.raises(ValueError, match="unknown oddment kind"):
        with_oddments(family_spec("steppe"), "glass")
    plain = build_scene(40.0, 205, "rocky-scrub")
    odd = build_scene(40.0, 205, "rocky-scrub", oddments="metal")
    assert [(m.cls, m.x_m, m.y_m) for m in odd.mines] == [(m.cls, m.x_m, m.y_m) for m in plain.mines]
    metal = [d for d in odd.distractors if d.cls in METAL_ODDMENTS]
    assert {d.cls for d in metal} == set(METAL_ODDMENTS) and len(metal) > 30
    assert not any(d.cls in ODDMENTS for d in odd.distractors)  # not the any-colour kind
    assert any(d.minefield_id is not None for d in metal)  # inside the fields as well
    pfm1 = MINES["PFM-1"].half_length_m
    for d in metal:
        lk = look(d.cls)
        assert not lk.any_colour and 0.4 * pfm1 < lk.half_length_m * d.scale < 2.0 * pfm1  # 5 to 20 cm long
    chip = look("oddment_chip")  # bare steel reads cooler than the soil by day and by night
    assert chip.dt_morning.sign < 0 and chip.dt_evening.sign < 0 and chip.glint_variants
    generate_flight(tmp_path / "metal", size_m=SIZE_M, seed=SEED, family="steppe", oddments="metal")
    assert load_json(tmp_path / "metal" / "synth.json")["oddments"] == "metal"


def test_held_out_classes_stay_in_their_own_families() -> None:
    """The held-out families' own clutter classes are drawn only there, jittered or not."""
    from rams.synth.catalog import METAL_ODDMENTS, ODDMENTS
    from rams.synth.scene import scene_family

    own = {"ploughed": {"clod"}, "stubble": {"brick"}, "orchard": {"fruit", "branch"},
           "riverbank": {"pebble", "driftwood"}, "burnt": {"charcoal", "ash"}, "sunflower": {"seedhead", "stalk"},
           "gravel-plain": {"cobble", "cartridge"},
           "savanna": {"termite_mound", "tussock"}, "rubble": {"concrete", "rebar", "glass"},
           "winter-wheat": {"crater", "fragment"}, "front-line": {"steel_scrap", "wire"}, "karst": {"limestone", "crushed_tin"}, "paddy": {"snail_shell", "straw_bundle"},
           "pine-edge": {"pine_cone", "deadwood"}, "vineyard": {"vine_clip", "pruned_cane"},
           "maize-stubble": {"maize_cob", "maize_stalk"}, "rail-embankment": {"rail_clip", "sleeper_chunk"},
           "marsh-edge": {"shotgun_shell", "reed_stem"},
           "potato-harvest": {"potato", "haulm"}, "hill-pasture": {"wool_tuft", "dung_pat"},
           "walnut-grove": {"fallen_leaf", "walnut_husk"}, "date-palm": {"date_strand", "date_fruit"},
           "olive-grove": {"olive_twig", "tile_shard"},
           "cotton-field": {"cotton_boll", "cotton_stalk"},
           "cassava-plot": {"cassava_stem", "cassava_root"}, "village-edge": {"plastic_bag", "foil_wrapper"}}
    for fam in TRAINING_FAMILIES:
        for ground, clutter, odd in ((False, False, False), (True, True, False), (True, True, True),
                                     (True, True, "metal")):
            spec = scene_family(fam, 3, ground, clutter, odd).clutter
            classes = {c for c, _ in spec.per_200m} | set(spec.in_field)
            assert not classes & set().union(*own.values()), (fam, ground, clutter, odd)
            assert bool(classes & set(ODDMENTS)) == (odd is True)
            assert bool(classes & set(METAL_ODDMENTS)) == (odd == "metal")
    for fam, classes in own.items():
        spec = scene_family(fam, 3).clutter
        assert classes <= {c for c, _ in spec.per_200m}
        others = set().union(*(v for k, v in own.items() if k != fam))
        assert not others & ({c for c, _ in spec.per_200m} | set(spec.in_field))
    # Later held-out families share the older ones' common litter (branches, cartridge cases) but
    # their own classes are drawn nowhere else.
    for fam, classes in {"palmyra-sand": {"palm_fruit", "palm_seed", "coconut_husk"}}.items():
        assert classes <= {c for c, _ in scene_family(fam, 3).clutter.per_200m}
        for other in FAMILIES:
            spec = scene_family(other, 3).clutter
            if other != fam:
                assert not classes & ({c for c, _ in spec.per_200m} | set(spec.in_field)), other


def test_scatter_layout_lays_every_field_as_pfm1_scatter() -> None:
    """``layout="scatter"`` turns every minefield into PFM-1 scatter; outlines and tracks stay."""
    from rams.synth.scene import build_scene

    plain = build_scene(40.0, 112, "steppe")  # its one field is drawn as rows of PMN-2/OZM-72
    scatter = build_scene(40.0, 112, "steppe", layout="scatter")
    assert {m.layout for m in plain.minefields} != {"scatter"}
    assert {m.layout for m in scatter.minefields} == {"scatter"}
    assert [m.corners_m for m in scatter.minefields] == [m.corners_m for m in plain.minefields]
    assert [t.points_m.tolist() for t in scatter.tracks] == [t.points_m.tolist() for t in plain.tracks]
    in_fields = [m for m in scatter.mines if m.minefield_id is not None]
    assert len(in_fields) >= 3 and {m.cls for m in in_fields} == {"PFM-1"}
    assert any(m.cls != "PFM-1" for m in plain.mines)
    assert build_scene(40.0, 112, "steppe", layout=None).mines == plain.mines  # default unchanged
    with pytest.raises(ValueError, match="unknown minefield layout"):
        build_scene(40.0, 112, "steppe", layout="grid")


def test_ozm_rows_layout_lays_rows_of_ozm72_and_pmn2() -> None:
    """``layout="rows-ozm"`` (training data): AP rows whose mines are mostly OZM-72, fields kept."""
    from rams.synth.scene import build_scene

    counts = {"OZM-72": 0, "PMN-2": 0}
    for seed in (150, 152, 154):
        plain = build_scene(40.0, seed, "steppe")
        rows = build_scene(40.0, seed, "steppe", layout="rows-ozm")
        assert {m.layout for m in rows.minefields} == {"rows-ozm"}
        assert {m.device_category for m in rows.minefields} == {"AP"}
        assert [m.corners_m for m in rows.minefields] == [m.corners_m for m in plain.minefields]
        in_fields = [m for m in rows.mines if m.minefield_id is not None]
        assert {m.cls for m in in_fields} <= set(counts)
        for m in in_fields:
            counts[m.cls] += 1
    assert counts["OZM-72"] > counts["PMN-2"] > 0
    # the fields a flight draws for itself never use it
    assert all(m.layout != "rows-ozm" for seed in range(100, 140)
               for m in build_scene(40.0, seed, "steppe").minefields)


#: Digests of ``draw_layout``'s output (rounded to the micrometre) recorded at commit a485606, before
#: the training-only ``rows-ozm`` layout was added: the drawn layouts and every cached training
#: flight must stay what they were.
LAYOUT_DIGESTS = {
    ("steppe", 3, None): "5866012727737357", ("steppe", 3, "rows-ap"): "1151e67e6b2daaa9",
    ("steppe", 3, "scatter"): "67a59acaa55e8cd8", ("steppe", 102, None): "77333813f75bcc19",
    ("steppe", 102, "rows-ap"): "caccc97a21615b38", ("steppe", 102, "scatter"): "532385d64b5cfecb",
    ("rocky-scrub", 3, None): "d79e9f9e95c36d94", ("rocky-scrub", 3, "rows-ap"): "a3b4c5bad8eb3146",
    ("rocky-scrub", 102, None): "9a6dd97eb992c18a", ("rocky-scrub", 102, "rows-ap"): "e92e166a86b41aca",
}


def _canonical(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _canonical(v) for k, v in sorted(x.items())}
    if isinstance(x, list | tuple):
        return [_canonical(v) for v in x]
    if isinstance(x, np.ndarray):
        return _canonical(x.tolist())
    if isinstance(x, float | np.floating):
        return round(float(x), 6)
    if isinstance(x, np.integer):
        return int(x)
    return x


@pytest.mark.parametrize(("family", "seed", "layout"), list(LAYOUT_DIGESTS))
def test_layouts_draw_what_they_drew_before_rows_ozm(family: str, seed: int, layout: str | None) -> None:
    import hashlib
    import json

    from rams.synth.families import FAMILY_SPECS
    from rams.synth.layout import draw_layout

    out = draw_layout(np.random.default_rng(seed), 40.0, True, FAMILY_SPECS[family].clutter, layout)
    digest = hashlib.sha256(json.dumps(_canonical(out), sort_keys=True).encode()).hexdigest()[:16]
    assert digest == LAYOUT_DIGESTS[family, seed, layout]


def test_generate_flight_refuses_an_unknown_layout_before_writing(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown minefield layout"):
        generate_flight(tmp_path / "f", size_m=SIZE_M, seed=SEED, layout="grid")
    assert not (tmp_path / "f").exists()
