"""«Смена пароля»: every role; required after a reset or for a new account."""

from __future__ import annotations

import streamlit as st

from dashboards.auth import SESSION_KEY, renew, store
from dashboards.data import current_viewer
from dashboards.text import as_text
from ejournal.access.accounts import MIN_PASSWORD_LENGTH, AccessError

viewer = current_viewer()
st.title("Смена пароля")
session = st.session_state[SESSION_KEY]
if session.must_change_password:
    st.warning("Задайте собственный пароль, чтобы продолжить.")
with st.form("account_password"):
    old = st.text_input("Текущий пароль", type="password", key="account_old")
    new = st.text_input(f"Новый пароль (не короче {MIN_PASSWORD_LENGTH} символов)", type="password", key="account_new")
    again = st.text_input("Новый пароль ещё раз", type="password", key="account_again")
    submitted = st.form_submit_button("Сменить пароль")
if submitted:
    if new != again:
        st.error("Новые пароли не совпадают")
    else:
        try:
            account = store().change_password(viewer.login, old, new)
        except AccessError as error:
            st.error(as_text(error))
        else:
            renew(session, account)
            st.success("Пароль изменён")
            st.rerun()
