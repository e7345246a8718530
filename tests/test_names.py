"""Human names on pages: the implicit unserved limit and the default cost unit in both languages."""

from study.names import cost_unit, target_name, target_specs


def test_the_implicit_unserved_limit_is_named_like_a_target():
    scenario = {"targets": [{"id": "sl20", "kind": "service_level", "fraction": 0.8, "wait_min": 20}]}
    specs = target_specs(scenario)
    assert set(specs) == {"sl20", "unserved"}
    assert target_name(specs["unserved"], "zh", scenario) == "闭厅时未办结≤0.5%"
    assert "unserved" not in target_name(specs["unserved"], "zh", scenario)


def test_no_implicit_limit_when_switched_off_stated_or_without_targets():
    sl = {"id": "sl20", "kind": "service_level", "fraction": 0.8, "wait_min": 20}
    assert set(target_specs({"targets": [sl], "unserved_limit": None})) == {"sl20"}
    own = {"id": "left", "kind": "max_unserved", "fraction": 0.01, "scope": "day"}
    assert set(target_specs({"targets": [sl, own]})) == {"sl20", "left"}
    assert target_specs({"targets": []}) == {}
    assert target_specs({"targets": [sl], "unserved_limit": 0.02})["unserved"]["fraction"] == 0.02


def test_cost_unit_in_chinese():
    assert cost_unit("cost units/day", "zh") == "成本单位/日"
    assert cost_unit("元/day", "zh") == "元/日"
    assert cost_unit("cost units/day", "en") == "cost units/day"
