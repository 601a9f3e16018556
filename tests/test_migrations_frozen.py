"""Applied migrations never change: a database already at version N has run migration N's SQL
and will not run it again, so a fresh database must be given the very same text or the two would
differ. Each migration's SQL, as storage/db.py hands it to SQLite, is held here to the SHA-256 of
the text it was applied with.

A new migration adds its line here once it is merged; editing an applied one fails this test."""

from __future__ import annotations

import hashlib

from storage.db import _migrations

APPLIED = {
    1: "0a32afa3471d3d6482b9e881cc90de4492fab161c6c6e1b1e99c21e2a6f41309",
    2: "71499a7fe822982904982e585b6f7e82bbf9632a8c10d83bfce959faa96e950b",
    3: "954641b33c8169aa0322f97835c131e5278ec3e9491ad1fb6e61f8328557dca9",
    4: "bc9198f66ab969bda263ced0004ead3e1374e398c4d871daccb3882a9be8fcf3",
    5: "a062598a60a697bacf45f95d9638486f4e0fd92c82f82c836f9a2db45cad77ff",
    6: "6ec1f306635bdb58b33a447cc838f142555669e995f6702955a384d97fe1bbcd",
    7: "fa9cc20477c9af20be539113e887f9a67833132ac3742430157f44b414154055",
    8: "cf8963619c58c3a84820153dac6b2e93ef9929f150f26bdb54d455b6c2eaefad",
    9: "5bdd412ddeb299b58544fccdffcfe75b7d6db93d1520ac8759d11e2b7f860d2c",
    10: "9802965c352248a64735f216499d92c3a3e922a6c4adb93f598ca2de8282e859",
    11: "8c4c21aadc2bb96f6098717ca1fddcc0620d5ff562740e8b7e51e0068face643",
    12: "de139bd1ff1aae1a9a59b28179297cbf0a71330423edfeec83328063f3e673d8",
    13: "623b868a99a067759f089ad56646125f59775cd36d29a15f96bd2d354d137314",
    14: "ed4ed0681cee32f9d1da67f976e267fa392810a66e30f39bf6430a845b6443f5",
    15: "102f2b813fef148d35c061646f2f1a16519652b95709c7fe78724a8ca114e45f",
    16: "b6c50103eb77e2b1faf11afb3e714dce71e01f0d8bf8b47f45c637a8ffcb8f4c",
    17: "c16e6388dd26608e45b15ba7f46eaf86a3201b60102f5c3a1d2ceb4f06ab2d47",
    18: "a8a9b8a2dddfc6853d18fad15824d1d9a1e7b5a961e1f3a3b251cec150c68560",
    19: "6af238e6aa4180de1a75ad981711e01161677a21227831c2c0f2c1e8a9f6a69b",
}


def test_every_applied_migration_runs_the_sql_it_was_applied_with() -> None:
    found = {
        version: hashlib.sha256(sql.encode("utf-8")).hexdigest() for version, sql in _migrations()
    }
    assert {version: found.get(version) for version in APPLIED} == APPLIED


def test_each_version_is_found_once_and_none_is_skipped() -> None:
    versions = [version for version, _ in _migrations()]
    assert versions == list(range(1, len(versions) + 1))
