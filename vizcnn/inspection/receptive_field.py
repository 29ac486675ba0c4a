"""Receptive fields: placeholder until issue 5 lands (owned by the receptive-field work)."""


def _not_yet(*args, **kwargs):
    raise NotImplementedError("receptive fields are not implemented yet")


ReceptiveField = receptive_fields = receptive_field_table = empirical_receptive_field = _not_yet
